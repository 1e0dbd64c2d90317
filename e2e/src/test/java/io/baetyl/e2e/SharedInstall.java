package io.baetyl.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * One run of {@code SKIP_BUILD=1 scripts/install.sh} per test JVM, for the tests that start the native example as
 * installed; each gets it back as install.sh left it ({@link TreeSnapshot}).
 * <p>
 * Why: install.sh takes 20-40 s here, most of it making the class-data-sharing archives, which record the install's
 * paths, so a copy of the tree elsewhere would not be the same install. Eight tests ran it once each.
 * <p>
 * The tests run one after the other in one JVM (failsafe's default); a test closes its {@link BaetylHome}, which stops
 * what it started, before the next one resets the tree.
 */
final class SharedInstall {
    private static TreeSnapshot installed;

    private SharedInstall() {
    }

    /** The install, as install.sh left it; the first call runs install.sh. */
    static synchronized Path reset() throws Exception {
        if (installed == null) {
            Path root = Files.createTempDirectory("baetyl-e2e-"); // under /tmp: the API socket path is short
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    BaetylHome.deleteTree(root);
                } catch (IOException e) {
                    // a leftover temp dir, nothing worse
                }
            }));
            Path dir = root.resolve("baetyl");
            BaetylHome.runInstall(dir, Map.of());
            installed = TreeSnapshot.of(dir, root.resolve("pristine"));
        } else {
            TreeSnapshot.Changes c = installed.restore();
            System.out.println("the shared install put back as installed: " + c.deleted().size() + " paths deleted,"
                    + " restored " + c.restored());
        }
        return installed.dir();
    }
}
