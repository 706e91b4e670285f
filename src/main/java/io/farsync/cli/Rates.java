package io.farsync.cli;

import java.util.Locale;
import picocli.CommandLine;

/** Parses and prints rates in bits per second, with the suffixes Aspera users type: 500M, 1G, 64k. */
final class Rates implements CommandLine.ITypeConverter<Long> {

    @Override
    public Long convert(String value) {
        return parse(value);
    }

    static long parse(String text) {
        String s = text.trim().toUpperCase(Locale.ROOT);
        if (s.endsWith("BPS")) {
            s = s.substring(0, s.length() - 3);
        }
        long multiplier = 1;
        if (!s.isEmpty()) {
            switch (s.charAt(s.length() - 1)) {
                case 'K' -> multiplier = 1_000L;
                case 'M' -> multiplier = 1_000_000L;
                case 'G' -> multiplier = 1_000_000_000L;
                case 'T' -> multiplier = 1_000_000_000_000L;
                default -> multiplier = 1;
            }
            if (multiplier != 1) {
                s = s.substring(0, s.length() - 1);
            }
        }
        double number;
        try {
            number = Double.parseDouble(s);
        } catch (NumberFormatException e) {
            throw new CommandLine.TypeConversionException("rate '" + text + "' is not a number of bits/s like 500M, 1G or 64k");
        }
        if (!(number > 0) || Double.isInfinite(number)) {
            throw new CommandLine.TypeConversionException("rate '" + text + "' must be positive");
        }
        return Math.round(number * multiplier);
    }

    static String format(double bitsPerSecond) {
        if (bitsPerSecond >= 1e9) {
            return String.format(Locale.ROOT, "%.2f Gbit/s", bitsPerSecond / 1e9);
        }
        if (bitsPerSecond >= 1e6) {
            return String.format(Locale.ROOT, "%.1f Mbit/s", bitsPerSecond / 1e6);
        }
        return String.format(Locale.ROOT, "%.0f kbit/s", bitsPerSecond / 1e3);
    }

    static String bytes(long n) {
        if (n >= 1L << 30) {
            return String.format(Locale.ROOT, "%.2f GiB", n / (double) (1L << 30));
        }
        if (n >= 1L << 20) {
            return String.format(Locale.ROOT, "%.1f MiB", n / (double) (1L << 20));
        }
        if (n >= 1L << 10) {
            return String.format(Locale.ROOT, "%.1f KiB", n / 1024.0);
        }
        return n + " B";
    }
}
