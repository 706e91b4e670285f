package io.farsync.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server's authorized_keys: a bad line is skipped, as OpenSSH does, and the other keys still log in. */
class AuthorizedKeysTest {
    @TempDir
    Path tmp;

    @Test
    void aMalformedLine_isSkipped_andTheValidKeysStillLogIn() throws Exception {
        Path src = Files.createDirectories(tmp.resolve("src"));
        Files.writeString(src.resolve("a.txt"), "a");
        CliHarness.Result r;
        try (CliHarness h = new CliHarness(tmp)) {
            Path keys = h.serverHome.resolve("authorized_keys");
            byte[] latin1 = "# caf\u00e9 (Latin-1, not UTF-8)\n".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
            byte[] rest = ("garbage\nssh-ed25519 AAAAnot-base64!! broken@key\n# a comment\n\n" + Files.readString(keys))
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8);
            Files.write(keys, java.nio.ByteBuffer.allocate(latin1.length + rest.length).put(latin1).put(rest).array());
            r = h.startServer().run("sync", "-i", h.identity.toString(), src.toString(), h.remote("data"), "-q");
            assertThat(h.serverRoot.resolve("data/a.txt")).hasContent("a");
        }
        assertThat(r.exitCode()).as(r.toString()).isZero();
    }

    @Test
    void aKeyRestrictedToAnotherHost_orExpired_isRefused() throws Exception {
        Path src = Files.createDirectories(tmp.resolve("src"));
        Files.writeString(src.resolve("a.txt"), "a");
        for (String option : new String[] {"from=\"10.9.9.9\"", "expiry-time=\"20000101\""}) {
            CliHarness.Result r;
            try (CliHarness h = new CliHarness(tmp.resolve(option.substring(0, 4)))) {
                Path keys = h.serverHome.resolve("authorized_keys");
                Files.writeString(keys, option + " " + Files.readString(keys));
                r = h.startServer().run("sync", src.toString(), h.remote("data"), "-q");
            }
            assertThat(r.exitCode()).as(option + ": " + r).isEqualTo(5);
        }
    }
}
