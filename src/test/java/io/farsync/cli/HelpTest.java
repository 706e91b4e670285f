package io.farsync.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every command's {@code --help} prints its usage and nothing else: picocli formats each option's
 * description with {@link String#format} and warns on standard error (three lines a bad
 * description) when one does not format, as {@code --max-delete}'s "N% of" did.
 */
class HelpTest {
    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"sync", "nway", "server", "keygen", "console", "admin"})
    void help_printsUsage_withoutWarnings(String command) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        ByteArrayOutputStream picocli = new ByteArrayOutputStream();
        PrintStream stderr = System.err;
        int code;
        // picocli's own warnings go to System.err, not to the streams the command is given
        System.setErr(new PrintStream(picocli, true, StandardCharsets.UTF_8));
        try {
            code = Main.run(new String[] {command, "--help"}, new PrintStream(out, true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8), Map.of("FARSYNC_HOME", tmp.toString()), false);
        } finally {
            System.setErr(stderr);
        }
        assertThat(code).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).startsWith("Usage: farsync " + command);
        assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
        assertThat(picocli.toString(StandardCharsets.UTF_8)).isEmpty();
        if (command.equals("sync")) {
            assertThat(out.toString(StandardCharsets.UTF_8).replaceAll("\\s+", " "))
                    .contains("or N% of the entries synced last time (default: 50% of trees over 100 entries); 100% also allows");
        }
    }
}
