package io.farsync.sync.version;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class VersionVectorTest {

    @Test
    void compare_ordersCausallyRelatedVersions_andFlagsConcurrentOnes() {
        VersionVector a1 = VersionVector.EMPTY.bump("a");
        VersionVector a1b1 = a1.bump("b");
        VersionVector a2 = a1.bump("a");
        assertThat(a1.compare(a1b1)).isEqualTo(VersionVector.Order.BEFORE);
        assertThat(a1b1.compare(a1)).isEqualTo(VersionVector.Order.AFTER);
        assertThat(a2.compare(a1b1)).isEqualTo(VersionVector.Order.CONCURRENT);
        assertThat(a1b1.compare(new VersionVector(Map.of("b", 1L, "a", 1L)))).isEqualTo(VersionVector.Order.EQUAL);
        assertThat(a2.merge(a1b1)).isEqualTo(new VersionVector(Map.of("a", 2L, "b", 1L)));
        assertThat(a2.merge(a1b1).compare(a2)).isEqualTo(VersionVector.Order.AFTER);
    }

    @Test
    void encode_parse_roundTrip_andBadTextIsNamed() {
        VersionVector v = new VersionVector(Map.of("9f3c", 3L, "01ab", 12L));
        assertThat(v.encode()).isEqualTo("01ab:12,9f3c:3");
        assertThat(VersionVector.parse(v.encode())).isEqualTo(v);
        assertThat(VersionVector.parse("")).isEqualTo(VersionVector.EMPTY);
        assertThatThrownBy(() -> VersionVector.parse("a:x")).hasMessageContaining("'a:x'");
    }
}
