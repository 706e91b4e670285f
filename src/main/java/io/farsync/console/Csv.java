package io.farsync.console;

import java.util.List;
import java.util.stream.Collectors;

/** RFC 4180 rows, safe to open in a spreadsheet. */
final class Csv {
    private Csv() {
    }

    static String row(List<String> cells) {
        return cells.stream().map(Csv::cell).collect(Collectors.joining(",")) + "\r\n";
    }

    static String cell(String v) {
        // a path like "=HYPERLINK(...)" must not become a formula when the export is opened
        if (!v.isEmpty() && "=+-@\t\r".indexOf(v.charAt(0)) >= 0 && !v.matches("-?\\d+(\\.\\d+)?")) {
            v = "'" + v;
        }
        if (v.contains(",") || v.contains("\"") || v.contains("\n") || v.contains("\r")) {
            return "\"" + v.replace("\"", "\"\"") + "\"";
        }
        return v;
    }
}
