package io.farsync.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.farsync.common.ExitCode;
import io.farsync.common.FarsyncException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeyFilesTest {

    @TempDir
    Path dir;

    @Test
    void generateTo_writesOpenSshPairThatLoadsBack() throws Exception {
        Path key = dir.resolve("sub/id_ed25519");
        KeyPair written = KeyFiles.generateTo(key, "me@test");

        assertThat(Files.readString(key)).startsWith("-----BEGIN OPENSSH PRIVATE KEY-----");
        assertThat(Files.readString(dir.resolve("sub/id_ed25519.pub"))).startsWith("ssh-ed25519 AAAA").contains("me@test");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key))).isEqualTo("rw-------");
        KeyPair loaded = KeyFiles.load(key);
        assertThat(loaded.getPublic().getEncoded()).isEqualTo(written.getPublic().getEncoded());
    }

    @Test
    void generateTo_refusesToOverwrite() {
        Path key = dir.resolve("id");
        KeyFiles.generateTo(key, "a");
        assertThatThrownBy(() -> KeyFiles.generateTo(key, "b"))
                .isInstanceOf(FarsyncException.class)
                .hasMessageContaining("already exists");
    }

    @Test
    void load_missingFile_saysHowToCreateOne() {
        assertThatThrownBy(() -> KeyFiles.load(dir.resolve("nope")))
                .isInstanceOfSatisfying(FarsyncException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCode.USAGE))
                .hasMessageContaining("farsync keygen");
    }
}
