package io.baetyl.master.cli;

import io.baetyl.master.config.AppConfig;
import io.baetyl.master.config.AppConfigLoader;
import io.baetyl.master.config.AppPaths;
import io.baetyl.master.config.MasterConfig;
import io.baetyl.master.security.PathGuard;
import io.baetyl.sdk.config.ConfigException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code baetyl check}: load and validate conf.yml and application.yml; prints OK! or the first error. */
@Command(name = "check", mixinStandardHelpOptions = true,
        description = "Check the master config and the application config; prints OK! when both are valid.")
class CheckCommand implements Callable<Integer> {
    static final String OK = "OK!";

    @Mixin
    WorkdirOptions options;

    @Override
    public Integer call() {
        try {
            MasterConfig cfg = options.loadConfig();
            Path appFile = options.workdir().resolve(AppConfig.DEFAULT_PATH);
            AppConfig app = AppConfigLoader.load(appFile);
            try {
                AppPaths.check(app, new PathGuard(options.workdir()));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(appFile + ": " + e.getMessage(), e);
            }
            if (!"native".equals(cfg.mode) && !"docker".equals(cfg.mode)) {
                throw new ConfigException("mode: unknown mode '" + cfg.mode + "'");
            }
        } catch (ConfigException e) {
            System.err.println("error: " + e.getMessage());
            return 1;
        }
        System.out.println(OK);
        return 0;
    }
}
