package io.farsync.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class PasswordsTest {
    @Test
    void hash_isArgon2idPhcString_thatVerifiesOnlyTheRightPassword() {
        String h = Passwords.hash("correct horse battery");
        assertThat(h).startsWith("$argon2id$v=19$m=19456,t=2,p=1$");
        assertThat(Passwords.verify("correct horse battery", h)).isTrue();
        assertThat(Passwords.verify("correct horse batterY", h)).isFalse();
        assertThat(Passwords.hash("correct horse battery")).as("salted").isNotEqualTo(h);
    }

    @Test
    void malformedOrForeignHashes_neverVerify() {
        assertThat(Passwords.verify("x", null)).isFalse();
        assertThat(Passwords.verify("x", "$2a$10$abcdefghijklmnopqrstuu")).isFalse();
        assertThat(Passwords.verify("x", "$argon2id$v=19$m=19456,t=2,p=1$%%%$%%%")).isFalse();
        assertThat(Passwords.verify("x", "$argon2i$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaA")).isFalse();
    }

    @Test
    void argon2id_matchesTheReferenceImplementation() {
        // echo -n password | argon2 somesalt -id -t 2 -m 16 -p 1 -l 32 (phc-winner-argon2 test vector)
        byte[] out = Passwords.argon2("password", "somesalt".getBytes(StandardCharsets.UTF_8), 65536, 2, 1, 32);
        assertThat(HexFormat.of().formatHex(out)).isEqualTo("09316115d5cf24ed5a15a31a3ba326e5cf32edc24702987c02b6566f61913cf7");
    }
}
