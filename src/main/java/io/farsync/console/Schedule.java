package io.farsync.console;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * When a console job runs by itself: {@code every N[s|m|h|d]} (at least a minute) or
 * {@code daily HH:MM} (UTC). Two forms cover what operators schedule syncs by (a period, or a
 * nightly window) without a cron dialect to learn; the text is what the console stores.
 */
record Schedule(String text, Duration every, LocalTime daily) {
    private static final Pattern EVERY = Pattern.compile("every\\s+(\\d{1,6})\\s*([smhd])");
    private static final Pattern DAILY = Pattern.compile("daily\\s+(\\d{1,2}):(\\d{2})");

    /** Parses the schedule; throws IllegalArgumentException naming the text and the forms allowed. */
    static Schedule parse(String text) {
        String t = text == null ? "" : text.strip().toLowerCase(Locale.ROOT);
        Matcher m = EVERY.matcher(t);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            Duration d = switch (m.group(2)) {
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
            if (d.compareTo(Duration.ofMinutes(1)) < 0) {
                throw new IllegalArgumentException("schedule (" + text + ") runs more than once a minute: use a continuous job");
            }
            return new Schedule(t, d, null);
        }
        m = DAILY.matcher(t);
        if (m.matches()) {
            int h = Integer.parseInt(m.group(1));
            int min = Integer.parseInt(m.group(2));
            if (h > 23 || min > 59) {
                throw new IllegalArgumentException("schedule (" + text + ") is not a time of day");
            }
            return new Schedule(t, null, LocalTime.of(h, min));
        }
        throw new IllegalArgumentException("schedule (" + text + ") must be 'every N[s|m|h|d]' or 'daily HH:MM' (UTC)");
    }

    /** The first run strictly after {@code after}. */
    Instant next(Instant after) {
        if (every != null) {
            return after.plus(every);
        }
        ZonedDateTime at = after.atZone(ZoneOffset.UTC).with(daily);
        return at.toInstant().isAfter(after) ? at.toInstant() : at.plusDays(1).toInstant();
    }
}
