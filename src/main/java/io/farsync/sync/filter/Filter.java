package io.farsync.sync.filter;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * An ordered list of include ({@code + PATTERN}) and exclude ({@code - PATTERN}) rules; the first
 * rule that matches a path decides, and a path no rule matches is included. The source applies
 * it while scanning: an excluded entry is not offered, an excluded directory is not descended
 * into, and an entry that was synced and is now excluded is left alone at the destination (not
 * deleted, not moved, not mirrored away).
 *
 * <p>Patterns, as in rsync: {@code *} matches within one path component, {@code **} across
 * components ({@code a/**}{@code /b} also matches {@code a/b}), {@code ?} one character other than
 * '/', {@code [...]} a character class ({@code [!...]} negated). A leading '/' anchors the
 * pattern at the root; otherwise it matches the path's last components ({@code *.tmp} matches
 * {@code x/y.tmp}, {@code b/c} matches {@code a/b/c}). A trailing '/' matches directories only.
 * As in rsync, {@code --include '*.txt' --exclude '*'} also excludes every directory, so only
 * top-level .txt files are synced; add {@code --include '*}{@code /'} first to descend.
 */
public final class Filter {

    /** Includes everything. */
    public static final Filter NONE = new Filter(List.of());

    private record Rule(String text, boolean include, boolean directoriesOnly, Pattern pattern) {
    }

    private final List<Rule> rules;

    private Filter(List<Rule> rules) {
        this.rules = List.copyOf(rules);
    }

    /**
     * Builds a filter from rules, each {@code "+ PATTERN"} or {@code "- PATTERN"} (as
     * {@link #rules()} returns them). Throws IllegalArgumentException naming a bad rule.
     */
    public static Filter of(List<String> rules) {
        List<Rule> parsed = new ArrayList<>(rules.size());
        for (String r : rules) {
            if (r.length() < 3 || (r.charAt(0) != '+' && r.charAt(0) != '-') || r.charAt(1) != ' ') {
                throw new IllegalArgumentException("filter rule '" + r + "' must be '+ PATTERN' or '- PATTERN'");
            }
            parsed.add(compile(r, r.charAt(0) == '+', r.substring(2)));
        }
        return new Filter(parsed);
    }

    /**
     * Reads an exclude file: one pattern per line, excluded unless it starts with {@code "+ "}
     * ({@code "- "} is accepted too); blank lines and lines starting with '#' are skipped.
     * Returns the rules in {@link #of} form.
     */
    public static List<String> readExcludeFile(Path file) throws IOException {
        List<String> out = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            String l = line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
            if (l.isBlank() || l.startsWith("#")) {
                continue;
            }
            out.add(l.startsWith("+ ") || l.startsWith("- ") ? l : "- " + l);
        }
        return out;
    }

    /** The rules, each {@code "+ PATTERN"} or {@code "- PATTERN"}, in order. */
    public List<String> rules() {
        return rules.stream().map(Rule::text).toList();
    }

    public boolean isEmpty() {
        return rules.isEmpty();
    }

    /** True if the first rule matching {@code path} (relative, '/'-separated) excludes it. */
    public boolean excludes(String path, boolean directory) {
        for (Rule r : rules) {
            if ((!r.directoriesOnly || directory) && r.pattern.matcher(path).matches()) {
                return !r.include;
            }
        }
        return false;
    }

    /** True if {@code path} or one of its parent directories is excluded (a scan would not reach it). */
    public boolean hides(String path, boolean directory) {
        if (rules.isEmpty()) {
            return false;
        }
        if (excludes(path, directory)) {
            return true;
        }
        for (int slash = path.indexOf('/'); slash >= 0; slash = path.indexOf('/', slash + 1)) {
            if (excludes(path.substring(0, slash), true)) {
                return true;
            }
        }
        return false;
    }

    private static Rule compile(String text, boolean include, String pattern) {
        if (pattern.isEmpty() || pattern.equals("/")) {
            throw new IllegalArgumentException("empty pattern in filter rule '" + text + "'");
        }
        if (pattern.indexOf('\n') >= 0 || pattern.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("pattern contains a newline or NUL: '" + text + "'");
        }
        String p = pattern;
        boolean directoriesOnly = p.endsWith("/");
        if (directoriesOnly) {
            p = p.substring(0, p.length() - 1);
        }
        boolean anchored = p.startsWith("/");
        if (anchored) {
            p = p.substring(1);
        }
        StringBuilder re = new StringBuilder(anchored ? "" : "(?:.*/)?");
        for (int i = 0; i < p.length(); i++) {
            char c = p.charAt(i);
            if (c == '*') {
                if (i + 1 < p.length() && p.charAt(i + 1) == '*') {
                    i++;
                    if (i + 1 < p.length() && p.charAt(i + 1) == '/') {
                        i++;
                        re.append("(?:.*/)?");
                    } else {
                        re.append(".*");
                    }
                } else {
                    re.append("[^/]*");
                }
            } else if (c == '?') {
                re.append("[^/]");
            } else if (c == '[') {
                int end = p.indexOf(']', i + 2);
                if (end < 0) {
                    throw new IllegalArgumentException("unclosed '[' in filter rule '" + text + "'");
                }
                String set = p.substring(i + 1, end);
                re.append('[').append(set.startsWith("!") ? "^" + quoteClass(set.substring(1)) : quoteClass(set)).append(']');
                i = end;
            } else {
                re.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return new Rule(text, include, directoriesOnly, Pattern.compile(re.toString(), Pattern.DOTALL));
    }

    /** A glob character class's contents as a regex class: ranges kept, everything else literal. */
    private static String quoteClass(String set) {
        StringBuilder sb = new StringBuilder();
        for (char c : set.toCharArray()) {
            if (c == '-') {
                sb.append('-');
            } else if (Character.isLetterOrDigit(c)) {
                sb.append(c);
            } else {
                sb.append('\\').append(c);
            }
        }
        return sb.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Filter f && f.rules().equals(rules());
    }

    @Override
    public int hashCode() {
        return rules().hashCode();
    }

    @Override
    public String toString() {
        return "Filter" + rules();
    }
}
