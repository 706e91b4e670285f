package io.farsync.sync.watch;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/** What every watcher {@link Watchers#create} makes leaves unreported. */
class WatchersTest {
    private final Path root = Path.of("/sync/root");
    private final Predicate<Path> excluded = Watchers.exclusion(root, Set.of(root.resolve("state")));

    /** A case variant is the same directory on a case-insensitive file system: skipped as the scanner skips it. */
    @Test
    void replicaDirectoryInAnyLetterCase_atAnyDepth_isNotReported() {
        assertThat(excluded.test(root.resolve(".farsync-replica/versions.db"))).isTrue();
        assertThat(excluded.test(root.resolve(".FARSYNC-REPLICA/versions.db"))).isTrue();
        assertThat(excluded.test(root.resolve("d/.Farsync-Replica"))).isTrue();
        assertThat(excluded.test(root.resolve("state/x.db"))).isTrue();
        assertThat(excluded.test(root.resolve("d/.farsync-replica-notes"))).isFalse();
        assertThat(excluded.test(root.resolve("d/f"))).isFalse();
    }
}
