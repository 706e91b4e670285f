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
 * components ({@code a/**}{@code /b} also matches {@code a/b}, unlike rsync), {@code ?} one character
 * other than '/', {@code [...]} a character class ({@code [!...]} or {@code [^...]} negated, with
 * {@code [:alpha:]}-style classes; never '/'), a backslash makes the next character literal,
 * and a trailing {@code /***} matches the directory and everything in it. A leading '/' anchors the
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
    /** Built by {@link #onlyEntry}: a single-file SRC. */
    private final boolean oneEntry;

    private Filter(List<Rule> rules) {
        this(rules, false);
    }

    private Filter(List<Rule> rules, boolean oneEntry) {
        this.rules = List.copyOf(rules);
        this.oneEntry = oneEntry;
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
     * Only the entry named {@code name} directly in the root: how a single-file SRC is synced (its
     * directory is the root, this the filter). Everything else there is neither sent nor deleted.
     * Throws IllegalArgumentException for a name a rule cannot hold (a newline).
     */
    public static Filter onlyEntry(String name) {
        StringBuilder literal = new StringBuilder("+ /");
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '\\' || c == '*' || c == '?' || c == '[') {
                literal.append('\\');
            }
            literal.append(c);
        }
        return new Filter(of(List.of(literal.toString(), "- *")).rules, true);
    }

    /**
     * True for a filter {@link #onlyEntry} made in this process: the root is a single-file SRC's
     * directory, whose own mode and mtime are not the destination's business.
     */
    public boolean picksOneEntry() {
        return oneEntry;
    }

    /** What {@link #readExcludeFile} returns for a {@code !} line: drop every rule before it (rsync's meaning). */
    public static final String CLEAR = "!";

    /**
     * Reads an exclude file: one pattern per line, excluded unless it starts with {@code "+ "}
     * ({@code "- "} is accepted too); blank lines and lines starting with '#' are skipped; a line
     * {@code !} is {@link #CLEAR}, which the caller applies. Returns the rules in {@link #of} form.
     */
    public static List<String> readExcludeFile(Path file) throws IOException {
        List<String> out = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            String l = line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
            if (l.isBlank() || l.startsWith("#")) {
                continue;
            }
            out.add(l.equals(CLEAR) || l.startsWith("+ ") || l.startsWith("- ") ? l : "- " + l);
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
        // rsync's "dir/***": the directory itself and everything below it
        boolean andBelow = p.endsWith("/***") && p.length() > 4;
        if (andBelow) {
            p = p.substring(0, p.length() - 4);
        }
        StringBuilder re = new StringBuilder(anchored ? "" : "(?:.*/)?");
        for (int i = 0; i < p.length(); i++) {
            char c = p.charAt(i);
            if (c == '\\' && i + 1 < p.length()) {
                re.append(Pattern.quote(String.valueOf(p.charAt(++i))));   // an escaped wildcard is literal
            } else if (c == '*') {
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
                i = characterClass(p, i, re, text);
            } else {
                re.append(Pattern.quote(String.valueOf(c)));
            }
        }
        if (andBelow) {
            re.append("(?:/.*)?");
        }
        return new Rule(text, include, directoriesOnly, Pattern.compile(re.toString(), Pattern.DOTALL));
    }

    /** POSIX character classes inside brackets ({@code [[:alpha:]]}), as rsync's wildmatch knows them. */
    private static final java.util.Map<String, String> POSIX = java.util.Map.ofEntries(
            java.util.Map.entry("alpha", "\\p{Alpha}"), java.util.Map.entry("digit", "\\p{Digit}"),
            java.util.Map.entry("alnum", "\\p{Alnum}"), java.util.Map.entry("upper", "\\p{Upper}"),
            java.util.Map.entry("lower", "\\p{Lower}"), java.util.Map.entry("space", "\\p{Space}"),
            java.util.Map.entry("blank", "\\p{Blank}"), java.util.Map.entry("punct", "\\p{Punct}"),
            java.util.Map.entry("xdigit", "\\p{XDigit}"), java.util.Map.entry("cntrl", "\\p{Cntrl}"),
            java.util.Map.entry("graph", "\\p{Graph}"), java.util.Map.entry("print", "\\p{Print}"));

    /**
     * Appends the regex of the bracket expression opening at {@code p[open]} and returns the index
     * of its closing ']'. As in rsync: {@code !} or {@code ^} first negates, a ']' first is literal,
     * ranges, {@code [:alpha:]}-style classes, backslash escapes; a class never matches '/'.
     */
    private static int characterClass(String p, int open, StringBuilder re, String text) {
        int i = open + 1;
        boolean negate = i < p.length() && (p.charAt(i) == '!' || p.charAt(i) == '^');
        if (negate) {
            i++;
        }
        StringBuilder set = new StringBuilder();
        for (boolean first = true; i < p.length() && (first || p.charAt(i) != ']'); first = false) {
            char c = p.charAt(i);
            if (p.startsWith("[:", i) && p.indexOf(":]", i + 2) > 0) {
                int close = p.indexOf(":]", i + 2);
                String name = p.substring(i + 2, close);
                String cls = POSIX.get(name);
                if (cls == null) {
                    throw new IllegalArgumentException("unknown character class [:" + name + ":] in filter rule '" + text + "'");
                }
                set.append(cls);
                i = close + 2;
                continue;
            }
            if (c == '\\' && i + 1 < p.length()) {
                c = p.charAt(++i);
            } else if (c == '-' && !first && i + 1 < p.length() && p.charAt(i + 1) != ']') {
                set.append('-');
                i++;
                continue;
            }
            set.append(Character.isLetterOrDigit(c) ? String.valueOf(c) : "\\" + c);
            i++;
        }
        if (i >= p.length()) {
            throw new IllegalArgumentException("unclosed '[' in filter rule '" + text + "'");
        }
        re.append(negate ? "[^/" : "[").append(set).append(']');
        return i;
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
