package io.farsync.transport.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.farsync.transport.sim.Simulation;
import java.util.BitSet;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RangeSetTest {

    @Test
    void add_mergesOverlappingAndAdjacentRanges() {
        RangeSet s = new RangeSet();
        s.add(10, 20);
        s.add(30, 40);
        s.add(20, 30);

        assertThat(s.size()).isEqualTo(1);
        assertThat(s.start(0)).isEqualTo(10);
        assertThat(s.end(0)).isEqualTo(40);
    }

    @Test
    void remove_splitsARange() {
        RangeSet s = new RangeSet();
        s.add(0, 100);
        s.remove(40, 60);

        assertThat(s.toString()).isEqualTo("[0..40, 60..100]");
        assertThat(s.contains(39)).isTrue();
        assertThat(s.contains(40)).isFalse();
        assertThat(s.contains(60)).isTrue();
        assertThat(s.containsAll(60, 100)).isTrue();
        assertThat(s.containsAll(30, 70)).isFalse();
    }

    @Test
    void removeFirst_dropsLowestRanges() {
        RangeSet s = new RangeSet();
        s.add(0, 1);
        s.add(2, 3);
        s.add(4, 5);
        s.removeFirst(2);

        assertThat(s.toString()).isEqualTo("[4..5]");
    }

    @Test
    void randomAddsAndRemoves_matchABitSet() {
        long seed = Simulation.seed("RangeSet.randomAddsAndRemoves");
        Random random = new Random(seed);
        RangeSet s = new RangeSet();
        BitSet reference = new BitSet();
        for (int op = 0; op < 20_000; op++) {
            int start = random.nextInt(2_000);
            int end = start + random.nextInt(50);
            if (random.nextInt(3) == 0) {
                s.remove(start, end);
                reference.clear(start, end);
            } else {
                s.add(start, end);
                reference.set(start, end);
            }
        }
        BitSet fromRanges = new BitSet();
        for (int i = 0; i < s.size(); i++) {
            assertThat(s.start(i)).isLessThan(s.end(i));
            if (i > 0) {
                assertThat(s.start(i)).as("ranges sorted, apart").isGreaterThan(s.end(i - 1));
            }
            fromRanges.set((int) s.start(i), (int) s.end(i));
        }
        assertThat(fromRanges).isEqualTo(reference);
        for (int v = 0; v < 2_100; v++) {
            assertThat(s.contains(v)).isEqualTo(reference.get(v));
        }
    }
}
