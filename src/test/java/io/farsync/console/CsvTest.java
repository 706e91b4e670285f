package io.farsync.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class CsvTest {
    @Test
    void cells_areQuotedWhenNeeded_andFormulasDefused() {
        assertThat(Csv.row(List.of("a", "b,c", "say \"hi\"", "=HYPERLINK(\"x\")", "-12", "-rf", "")))
                .isEqualTo("a,\"b,c\",\"say \"\"hi\"\"\",\"'=HYPERLINK(\"\"x\"\")\",-12,'-rf,\r\n");
    }
}
