package io.baetyl.master.cli;

import io.baetyl.master.check.AppCheck;
import io.baetyl.master.config.AppConfig;
import io.baetyl.master.config.AppConfigLoader;
import io.baetyl.master.config.AppPaths;
import io.baetyl.master.config.MasterConfig;
import io.baetyl.master.security.LogSafe;
import io.baetyl.master.security.PathGuard;
import io.baetyl.sdk.config.ConfigException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code baetyl check}: what {@code start} would fail on. Loads and validates conf.yml and application.yml, then
 * checks every native package and every module config ({@link AppCheck}); prints OK!, or one line per problem.
 */
@Command(name = "check", mixinStandardHelpOptions = true,
        description = "Check the master config, the application config, the native packages and the modules' "
                + "service.yml files; prints OK! when start would not fail on them, else one line per problem.")
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
            // What start would fail on beyond the files themselves: packages, module configs.
            AppCheck.Report report = AppCheck.run(options.workdir(), cfg.mode, app, AppConfig.DEFAULT_PATH,
                    AppCheck.keys(app));
            report.warnings().forEach(w -> System.out.println("warning: " + LogSafe.q(w, 2000)));
            if (!report.ok()) {
                report.errors().forEach(e -> System.err.println("error: " + LogSafe.q(e, 2000)));
                return 1;
            }
        } catch (ConfigException e) {
            System.err.println("error: " + e.getMessage());
            return 1;
        }
        System.out.println(OK);
        return 0;
    }
}
