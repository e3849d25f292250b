package io.github.soapdl4j.examples.bench;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;

/** A benchmark's Markdown report: printed line by line as it is written, saved to a file at the end. */
final class MarkdownReport {
    private final StringBuilder text = new StringBuilder();

    /** Prints {@code s} and appends it as one line. */
    void line(String s) {
        System.out.println(s);
        text.append(s).append('\n');
    }

    /** Writes the report to {@code out}, creating its directory. */
    void writeTo(File out) throws IOException {
        if (out.getParentFile() != null) {
            Files.createDirectories(out.getParentFile().toPath());
        }
        Files.writeString(out.toPath(), text.toString(), StandardCharsets.UTF_8);
        System.out.println("Wrote " + out);
    }
}
