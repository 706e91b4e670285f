package io.farsync.history;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.farsync.sync.SyncListener.EntryAction;
import io.farsync.sync.SyncResult;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HistoryStoreTest {
    private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");

    @TempDir
    Path dir;
    MutableClock clock = new MutableClock(T0);
    HistoryStore store;

    @BeforeEach
    void open() {
        store = HistoryStore.open(dir.resolve("history.db"), clock, HistoryStore.QUEUE);
    }

    @AfterEach
    void close() {
        store.close();
    }

    @Test
    void finishedSession_isStoredWithItsFiles() {
        Recording r = store.begin("alice", "10.0.0.7:50000", Direction.RECEIVE, "/projects/a");
        r.planned(2, 300);
        r.progress(100);
        r.entryDone("a.txt", EntryAction.TRANSFERRED, 100);
        clock.advance(Duration.ofSeconds(2));
        r.progress(200);
        r.entryDone("sub", EntryAction.DIRECTORY, 0);
        r.entryDone("sub/b.bin", EntryAction.TRANSFERRED, 200);
        r.entryDone("old.txt", EntryAction.DELETED, 0);
        r.entryFailed("locked.txt", "permission denied");
        r.finish(new SyncResult(2, 300, 1, 0, 0, 5, List.of("locked.txt: permission denied")));
        store.flush();

        SessionRecord s = store.session(r.id()).orElseThrow();
        assertThat(s.user()).isEqualTo("alice");
        assertThat(s.peer()).isEqualTo("10.0.0.7:50000");
        assertThat(s.direction()).isEqualTo(Direction.RECEIVE);
        assertThat(s.status()).isEqualTo(SessionStatus.PARTIAL);
        assertThat(s.startedAt()).isEqualTo(T0);
        assertThat(s.endedAt()).isEqualTo(T0.plusSeconds(2));
        assertThat(List.of(s.files(), s.bytes(), s.deleted(), s.errors())).containsExactly(2L, 300L, 1L, 1L);

        Page<FileRecord> files = store.files(r.id(), 100, 0);
        assertThat(files.total()).isEqualTo(5);
        assertThat(files.items()).extracting(FileRecord::path, FileRecord::action, FileRecord::result).containsExactly(
                org.assertj.core.groups.Tuple.tuple("a.txt", "transferred", "ok"),
                org.assertj.core.groups.Tuple.tuple("sub", "directory", "ok"),
                org.assertj.core.groups.Tuple.tuple("sub/b.bin", "transferred", "ok"),
                org.assertj.core.groups.Tuple.tuple("old.txt", "deleted", "ok"),
                org.assertj.core.groups.Tuple.tuple("locked.txt", "failed", "failed"));
        assertThat(files.items().get(4).error()).isEqualTo("permission denied");
        assertThat(files.items().get(2).time()).isEqualTo(T0.plusSeconds(2));
        assertThat(store.files(r.id(), 2, 3).items()).extracting(FileRecord::path).containsExactly("old.txt", "locked.txt");
    }

    @Test
    void runningSession_isListedLiveWithItsRate_andLeavesTheListWhenItEnds() {
        Recording r = store.begin("bob", "peer", Direction.SEND, "data");
        r.planned(10, 10_000_000);
        r.progress(1_000_000);
        clock.advance(Duration.ofSeconds(1));
        r.progress(1_000_000);
        assertThat(store.running()).singleElement().satisfies(l -> {
            assertThat(l.bytes()).isEqualTo(2_000_000);
            assertThat(l.plannedBytes()).isEqualTo(10_000_000);
            assertThat(l.bytesPerSecond()).isEqualTo(2_000_000.0);
        });
        clock.advance(Duration.ofSeconds(2));
        r.progress(1_000_000);
        // the window now covers the last 2 s only: 1 MB in 2 s
        assertThat(store.running().get(0).bytesPerSecond()).isEqualTo(500_000.0);
        store.flush();
        assertThat(store.session(r.id()).orElseThrow())
                .extracting(SessionRecord::status, SessionRecord::bytes).containsExactly(SessionStatus.RUNNING, 3_000_000L);

        r.fail("peer vanished");
        store.flush();
        assertThat(store.running()).isEmpty();
        assertThat(store.session(r.id()).orElseThrow())
                .extracting(SessionRecord::status, SessionRecord::error).containsExactly(SessionStatus.FAILED, "peer vanished");
    }

    @Test
    void stopRequest_abortsTheTransport_andEndsTheSessionAsAborted() {
        Recording r = store.begin("bob", "peer", Direction.SEND, "data");
        boolean[] aborted = new boolean[1];
        r.onStop(() -> aborted[0] = true);
        store.runningSession(r.id()).orElseThrow().stop("stopped by carol");
        r.fail("transport aborted");
        store.flush();
        assertThat(aborted[0]).isTrue();
        assertThat(store.session(r.id()).orElseThrow())
                .extracting(SessionRecord::status, SessionRecord::error).containsExactly(SessionStatus.ABORTED, "stopped by carol");
    }

    @Test
    void search_filtersByPathOfSessionOrFile_status_user_timeRange_andPages() {
        long a = session("alice", "projects/alpha", List.of("docs/report.pdf"), true);
        clock.advance(Duration.ofHours(1));
        long b = session("bob", "projects/beta", List.of("img/logo%_.png"), false);
        clock.advance(Duration.ofHours(1));
        long c = session("alice", "media", List.of("video/alpha-cut.mp4"), true);
        store.flush();

        assertThat(ids(store.search(HistoryQuery.all()))).containsExactly(c, b, a);
        assertThat(ids(store.search(HistoryQuery.all().withText("alpha")))).containsExactly(c, a);
        assertThat(ids(store.search(HistoryQuery.all().withText("report")))).containsExactly(a);
        // LIKE wildcards in the text are literal
        assertThat(ids(store.search(HistoryQuery.all().withText("%_")))).containsExactly(b);
        assertThat(ids(store.search(HistoryQuery.all().withText("x%")))).isEmpty();
        assertThat(ids(store.search(HistoryQuery.all().withStatus(SessionStatus.FAILED)))).containsExactly(b);
        assertThat(ids(store.search(HistoryQuery.all().withUser("alice")))).containsExactly(c, a);
        assertThat(ids(store.search(HistoryQuery.all().between(T0.plusSeconds(1800), T0.plusSeconds(7200))))).containsExactly(b);

        Page<SessionRecord> page = store.search(HistoryQuery.all().page(2, 1));
        assertThat(ids(page)).containsExactly(b, a);
        assertThat(page.total()).isEqualTo(3);
    }

    @Test
    void sessionsLeftRunning_areMarkedInterrupted_onReopen_andIdsKeepIncreasing() {
        Recording r = store.begin("alice", "peer", Direction.RECEIVE, "x");
        store.close();
        store = HistoryStore.open(dir.resolve("history.db"), clock, HistoryStore.QUEUE);
        assertThat(store.session(r.id()).orElseThrow().status()).isEqualTo(SessionStatus.INTERRUPTED);
        assertThat(store.begin("alice", "peer", Direction.RECEIVE, "x").id()).isGreaterThan(r.id());
    }

    @Test
    void fullQueue_dropsFileRows_countsThem_andNeverBlocksTheListener() throws Exception {
        store.close();
        Path file = dir.resolve("small.db");
        store = HistoryStore.open(file, clock, 4);
        Recording r = store.begin("alice", "peer", Direction.RECEIVE, "x");
        // a stuck disk: another connection holds the write lock, so the writer cannot commit
        try (Connection other = DriverManager.getConnection("jdbc:sqlite:" + file); Statement st = other.createStatement()) {
            st.execute("BEGIN EXCLUSIVE");
            for (int i = 0; i < 10_000; i++) {
                r.entryDone("f" + i, EntryAction.TRANSFERRED, 1);
            }
            st.execute("COMMIT");
        }
        r.finish(new SyncResult(10_000, 10_000, 0, 0, 0, 10_000, List.of()));
        store.flush();
        SessionRecord s = store.session(r.id()).orElseThrow();
        long recorded = store.files(r.id(), 1, 0).total();
        assertThat(s.files()).isEqualTo(10_000);
        assertThat(recorded + s.filesUnrecorded()).isEqualTo(10_000);
        assertThat(s.filesUnrecorded()).isPositive();
    }

    @Test
    void badPage_isRefusedWithTheValue() {
        assertThatThrownBy(() -> HistoryQuery.all().page(0, 0)).hasMessageContaining("limit (0)");
        assertThatThrownBy(() -> HistoryQuery.all().page(10, -1)).hasMessageContaining("offset (-1)");
    }

    private long session(String user, String path, List<String> files, boolean ok) {
        Recording r = store.begin(user, "peer", Direction.RECEIVE, path);
        for (String f : files) {
            r.entryDone(f, EntryAction.TRANSFERRED, 10);
        }
        if (ok) {
            r.finish(new SyncResult(files.size(), 10L * files.size(), 0, 0, 0, files.size(), List.of()));
        } else {
            r.fail("boom");
        }
        return r.id();
    }

    private static List<Long> ids(Page<SessionRecord> page) {
        return page.items().stream().map(SessionRecord::id).toList();
    }
}
