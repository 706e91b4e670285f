package io.farsync.common;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Unmounts a test's tmpfs. A plain umount first: "target is busy" means a descriptor is still open
 * below the mount, a leak in the code under test, so the test fails, naming the mount and its users.
 * A lazy umount then detaches it anyway, so the temp dir's cleanup is not stuck either way.
 */
public final class TestMounts {
    private TestMounts() {
    }

    /** Unmounts {@code mount}; throws AssertionError if it was busy (after detaching it lazily). */
    public static void unmount(Path mount) throws InterruptedException {
        Run plain = run("umount", mount.toString());
        if (plain.exit == 0) {
            return;
        }
        boolean busy = plain.out.contains("busy");
        System.err.println("umount " + mount + " failed: " + plain.out.strip()
                + (busy ? "\nfuser -vm " + mount + ":\n" + run("fuser", "-vm", mount.toString()).out.strip() : ""));
        Run lazy = run("umount", "--lazy", mount.toString());
        if (lazy.exit != 0) {
            System.err.println("umount --lazy " + mount + " failed too: " + lazy.out.strip());
        }
        if (busy) {
            throw new AssertionError("a descriptor is still open below " + mount + " after the test: " + plain.out.strip());
        }
    }

    private record Run(int exit, String out) {
    }

    /** Runs {@code cmd}: its exit code and its output (stdout and stderr), or -1 and the reason it could not start. */
    private static Run run(String... cmd) throws InterruptedException {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            return new Run(p.waitFor(), out);
        } catch (IOException e) {
            return new Run(-1, e.toString());
        }
    }
}
