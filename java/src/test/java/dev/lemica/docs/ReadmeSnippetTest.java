package dev.lemica.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's Java snippet is what library users copy: it must compile against the library and run
 * as printed. Its import lines become the class's imports, the rest the body of a method; file names
 * it writes are moved into a temporary folder.
 */
class ReadmeSnippetTest {
  @TempDir Path dir;

  @Test
  void theReadmesJavaSnippetCompilesAndRuns() throws Exception {
    String snippet = javaBlock(Files.readString(Path.of("../README.md")));
    List<String> imports = new ArrayList<>();
    StringBuilder body = new StringBuilder();
    for (String line : snippet.lines().toList()) {
      if (line.startsWith("import ")) {
        imports.add(line);
      } else {
        body.append(line).append('\n');
      }
    }
    assertTrue(!imports.isEmpty(), "the snippet shows its imports, so it can be pasted as it is");
    String source =
        "package snippet;\n" + String.join("\n", imports) + "\n"
            + "public final class Snippet {\n  public static void run() throws Exception {\n"
            + body.toString().replace("Path.of(\"", "Path.of(\"" + dir.toString().replace("\\", "/") + "/")
            + "  }\n}\n";
    Path src = dir.resolve("snippet/Snippet.java");
    Files.createDirectories(src.getParent());
    Files.writeString(src, source);
    Path classes = dir.resolve("classes");
    Files.createDirectories(classes);

    JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
    DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
    try (StandardJavaFileManager files = compiler.getStandardFileManager(diagnostics, Locale.ROOT, null)) {
      boolean ok =
          compiler.getTask(
                  null, files, diagnostics,
                  List.of("-classpath", System.getProperty("java.class.path"), "-d", classes.toString(), "-proc:none"),
                  null, files.getJavaFileObjects(src.toFile()))
              .call();
      assertTrue(ok, () -> "README snippet does not compile:\n" + diagnostics.getDiagnostics() + "\n" + source);
    }
    try (URLClassLoader loader = new URLClassLoader(new URL[] {classes.toUri().toURL()}, getClass().getClassLoader())) {
      Method run = loader.loadClass("snippet.Snippet").getMethod("run");
      run.invoke(null);
    }
    try (var written = Files.list(dir)) {
      assertTrue(written.anyMatch(p -> !Files.isDirectory(p)), "the snippet writes its output file");
    }
  }

  /** The one ```java block of the README. */
  static String javaBlock(String readme) throws IOException {
    int start = readme.indexOf("```java\n");
    assertTrue(start >= 0, "README has a ```java block");
    int end = readme.indexOf("```", start + 8);
    assertEquals(-1, readme.indexOf("```java\n", end), "README has exactly one ```java block");
    return readme.substring(start + 8, end);
  }
}
