package io.farsync.cli;

import java.nio.file.Path;
import java.util.Map;

/**
 * The per-user state directory ({@code ~/.farsync}, or {@code $FARSYNC_HOME}): identity,
 * known_hosts, snapshot databases.
 */
record FarsyncHome(Path dir) {

    static FarsyncHome from(Map<String, String> env) {
        String override = env.get("FARSYNC_HOME");
        if (override != null && !override.isBlank()) {
            return new FarsyncHome(Path.of(override).toAbsolutePath());
        }
        return new FarsyncHome(Path.of(System.getProperty("user.home"), ".farsync"));
    }

    Path identity() {
        return dir.resolve("id_ed25519");
    }

    Path knownHosts() {
        return dir.resolve("known_hosts");
    }

    Path hostKey() {
        return dir.resolve("ssh_host_ed25519_key");
    }
}
