package io.farsync.sync.scan;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TempNamesTest {

    @Test
    void partialName_isHidden_deterministic_andChangesWithTheSourceFile() {
        String name = TempNames.forPartial("big.bin", "db-1", "d/big.bin", 100, 7);

        assertThat(name).startsWith(".big.bin.farsync-").endsWith(".part");
        assertThat(TempNames.isPartialName(name)).isTrue();
        assertThat(TempNames.isTempName(name)).as("never listed by scans").isTrue();
        assertThat(TempNames.forPartial("big.bin", "db-1", "d/big.bin", 100, 7)).isEqualTo(name);
        assertThat(TempNames.forPartial("big.bin", "db-1", "d/big.bin", 100, 8)).isNotEqualTo(name);
        assertThat(TempNames.forPartial("big.bin", "db-1", "d/big.bin", 101, 7)).isNotEqualTo(name);
        assertThat(TempNames.forPartial("big.bin", "db-2", "d/big.bin", 100, 7)).isNotEqualTo(name);
        assertThat(TempNames.isPartialName("big.bin.farsync-0123456789abcdef.part")).isFalse();
        assertThat(TempNames.isPartialName(TempNames.forFinalName("big.bin"))).isFalse();
    }

    @Test
    void partialName_ofALongName_staysWithinTheNameLimit() {
        String name = TempNames.forPartial("é".repeat(127), "db", "x", 1, 1);

        assertThat(name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length).isLessThanOrEqualTo(255);
        assertThat(TempNames.isPartialName(name)).isTrue();
    }
}
