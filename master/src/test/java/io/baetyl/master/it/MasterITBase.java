package io.baetyl.master.it;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A fresh install tree and harness per test; whatever the test started is stopped afterwards. */
@Timeout(300)
abstract class MasterITBase {
    @TempDir
    Path tmp;
    MasterHarness baetyl;

    @BeforeEach
    void createInstall() throws Exception {
        baetyl = new MasterHarness(tmp);
    }

    @AfterEach
    void stopEverything() {
        baetyl.close();
    }
}
