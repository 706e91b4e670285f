package io.farsync.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.farsync.common.ExitCode;
import io.farsync.common.FarsyncException;
import io.farsync.session.SessionRequest;
import io.farsync.sync.SyncOptions;
import io.farsync.sync.scan.Symlinks;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the server refuses in a session request before it touches its tree or its databases. */
class SyncJobHandlerTest {
    @TempDir
    Path tmp;

    @Test
    void symlinksTravelInTheRequest_andAServerNeverFollowsThemForAPull() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("root/data"));
        Path state = Files.createDirectories(tmp.resolve("state"));
        for (Symlinks mode : Symlinks.values()) {
            assertThat(JobOptions.parse(JobOptions.encode(SyncOptions.defaults().withSymlinks(mode))).symlinks()).isEqualTo(mode);
        }
        Map<String, String> follow = new HashMap<>(JobOptions.encode(SyncOptions.defaults().withSymlinks(Symlinks.FOLLOW)));
        SyncJobHandler handler = new SyncJobHandler(root.getParent(), state);

        // a client that skipped its own check: the server still refuses, before any database is made
        assertThatThrownBy(() -> handler.open(request(SessionRequest.SOURCE, follow), "tester"))
                .isInstanceOfSatisfying(FarsyncException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCode.USAGE))
                .hasMessageContaining("the server does not follow links for a pull");
        assertThatThrownBy(() -> handler.open(request(SessionRequest.BIDI, follow), "tester"))
                .isInstanceOfSatisfying(FarsyncException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCode.USAGE))
                .hasMessageContaining("--symlinks follow is for one-way syncs");
        assertThat(state.resolve("snapshots")).doesNotExist();
    }

    private static SessionRequest request(String role, Map<String, String> options) {
        return new SessionRequest(SessionRequest.PROTOCOL, role, "data", "0123456789abcdef0123456789abcdef", null,
                100_000_000L, 1200, options, "fair", 0L, 0, false);
    }
}
