package io.farsync.sync.scan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class SortedEntriesTest {

    private static Entry file(String path, long size) {
        return new Entry(path, EntryType.FILE, size, 5, 0644, 9, null);
    }

    @Test
    void treeOf_shuffledEntries_equalsPutOneByOne() {
        long seed = new Random().nextLong();
        System.out.println("SortedEntriesTest seed " + seed);
        Random rnd = new Random(seed);
        // '-' sorts before '/', supplementary characters after U+E000..U+FFFF only in UTF-16 order
        String[] names = {"a", "a-b", "a/b", "a/b/c", "a0", "\uE000", "\uD83D\uDE00", "z", "é"};
        List<Entry> all = new ArrayList<>();
        TreeMap<String, Entry> expected = new TreeMap<>();
        for (int i = 0; i < 500; i++) {
            Entry e = file(names[rnd.nextInt(names.length)] + "/" + rnd.nextInt(50), i);
            all.add(e);
            expected.put(e.path(), e);
        }
        Collections.shuffle(all, rnd);
        // the last one of each path wins, as with put one by one
        expected.clear();
        all.forEach(e -> expected.put(e.path(), e));

        TreeMap<String, Entry> built = SortedEntries.treeOf(all);

        assertThat(built).containsExactlyEntriesOf(expected);
        assertThat(built.subMap("a/", true, "a0", false)).isEqualTo(expected.subMap("a/", true, "a0", false));
    }

    @Test
    void cursor_findsAscendingPathsAndRefusesToGoBack() {
        TreeMap<String, Entry> map = SortedEntries.treeOf(List.of(file("a", 1), file("a/b", 2), file("c", 3)));
        SortedEntries.Cursor c = new SortedEntries.Cursor(map);

        assertThat(c.get("0")).isNull();
        assertThat(c.get("a")).isEqualTo(file("a", 1));
        assertThat(c.get("a-")).isNull();
        assertThat(c.get("a/b")).isEqualTo(file("a/b", 2));
        assertThat(c.get("c")).isEqualTo(file("c", 3));
        assertThat(c.get("d")).isNull();
        assertThatThrownBy(() -> c.get("b")).isInstanceOf(IllegalStateException.class).hasMessageContaining("b after d");
    }

    @Test
    void cursor_onAMapInAnotherOrder_looksEachPathUp() {
        TreeMap<String, Entry> reversed = new TreeMap<>(Collections.reverseOrder());
        reversed.put("a", file("a", 1));
        reversed.put("b", file("b", 2));
        SortedEntries.Cursor c = new SortedEntries.Cursor(reversed);

        assertThat(c.get("a")).isEqualTo(file("a", 1));
        assertThat(c.get("b")).isEqualTo(file("b", 2));
    }
}
