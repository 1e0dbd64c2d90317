package io.baetyl.master.check;

import io.baetyl.master.config.AppConfig;
import io.baetyl.master.config.ServiceSpec;
import io.baetyl.master.config.ServiceVolume;
import io.baetyl.master.engine.nativeengine.PackageConfig;
import io.baetyl.master.security.LogSafe;
import io.baetyl.master.security.PathGuard;
import io.baetyl.sdk.config.ConfigException;
import io.baetyl.sdk.config.ConfigLoader;
import io.baetyl.sdk.config.ServiceConfigLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * What {@code baetyl check} and {@code baetyl start} verify of an application beyond its own file, so that what
 * {@code start} would fail on is found before anything starts, one line per problem:
 * <ul>
 *   <li>native mode: every service has a package (a volume mounted at its package path, or an installed package
 *       the engine links in, see {@link NativePackages}), with a valid {@code package.yml} and an executable
 *       entry; names the docs use that this project does not ship get a hint;</li>
 *   <li>every service of a module this project ships reads a {@code service.yml} that parses and validates with
 *       that module's own rules: a Java module's config class, loaded from its installed jar
 *       ({@link io.baetyl.sdk.config.ConfigCheck}), or the runtimes' functions list (a codedir that is not there
 *       is a warning: the runtime answers that function's calls with an error).</li>
 * </ul>
 */
public final class AppCheck {
    /** Problems found: errors stop {@code start}, warnings (unknown keys) do not. */
    public record Report(List<String> errors, List<String> warnings) {
        public boolean ok() {
            return errors.isEmpty();
        }
    }

    private final Path workDir;
    private final boolean nativeMode;
    /** The module config checks this pass needs (first pass) or their results (second pass, not null). */
    private final List<ModuleConfigChecker.Request> requests = new ArrayList<>();
    private final Map<ModuleConfigChecker.Request, List<String>> results;
    private final List<String> errors = new ArrayList<>();
    private final List<String> warnings = new ArrayList<>();

    private AppCheck(Path workDir, boolean nativeMode, Map<ModuleConfigChecker.Request, List<String>> results) {
        this.workDir = workDir;
        this.nativeMode = nativeMode;
        this.results = results;
    }

    /** How the services of {@code app} are named in messages: {@code services[2] (name)} (v0) or {@code services.name}. */
    public static Function<String, String> keys(AppConfig app) {
        return name -> {
            ServiceSpec spec = app.services.get(name);
            return spec != null && spec.origin != null ? spec.origin + " (" + name + ")" : "services." + name;
        };
    }

    /**
     * @param workDir    the master's working dir
     * @param mode       native or docker
     * @param appSource  how application.yml is named in messages
     * @param serviceKey the key of a service in messages, e.g. {@code services[2] (function-python27-sayhi)}
     */
    public static Report run(Path workDir, String mode, AppConfig app, String appSource,
                             Function<String, String> serviceKey) {
        return run(workDir, mode, app, appSource, serviceKey, new InProcessConfigChecker());
    }

    /**
     * As {@link #run(Path, String, AppConfig, String, Function)}, the modules' config files checked by
     * {@code checker} (the running master: in a child JVM).
     */
    public static Report run(Path workDir, String mode, AppConfig app, String appSource,
                             Function<String, String> serviceKey, ModuleConfigChecker checker) {
        Path root;
        try {
            root = workDir.toAbsolutePath().normalize().toRealPath();
        } catch (IOException e) {
            root = workDir.toAbsolutePath().normalize();
        }
        // Two passes: the first finds which module configs to check (all at once, so a child JVM starts once), the
        // second reports every problem in the services' order with those checks' results.
        AppCheck first = new AppCheck(root, "native".equals(mode), null);
        first.services(app, appSource, serviceKey);
        List<ModuleConfigChecker.Request> wanted = List.copyOf(first.requests);
        Map<ModuleConfigChecker.Request, List<String>> results = new LinkedHashMap<>();
        List<List<String>> lines = wanted.isEmpty() ? List.of() : checker.check(wanted);
        for (int i = 0; i < wanted.size(); i++) {
            results.put(wanted.get(i), lines.get(i));
        }
        AppCheck c = new AppCheck(root, "native".equals(mode), results);
        c.services(app, appSource, serviceKey);
        return new Report(List.copyOf(c.errors), List.copyOf(c.warnings));
    }

    private void services(AppConfig app, String appSource, Function<String, String> serviceKey) {
        for (Map.Entry<String, ServiceSpec> e : app.services.entrySet()) {
            service(app, appSource, serviceKey.apply(e.getKey()), e.getKey(), e.getValue());
        }
    }

    private void service(AppConfig app, String appSource, String key, String name, ServiceSpec spec) {
        Set<String> named = app.volumes.keySet();
        NativePackages.Resolved pkg = NativePackages.resolve(workDir, spec, named);
        String module = pkg.name();
        Path pkgDir = null;
        if (nativeMode) {
            pkgDir = checkPackage(appSource, key, spec, pkg);
        } else if (module != null) {
            Path installed = workDir.resolve(NativePackages.INSTALL_DIR).resolve(module);
            pkgDir = Files.isDirectory(installed) ? installed : null;
        }
        if (pkgDir != null) {
            try {
                module = pkgDir.toRealPath().getFileName().toString(); // an alias (python36) names the real package
            } catch (IOException e) {
                // keep the image's name
            }
        }
        if (module == null) {
            return;
        }
        if (KnownModules.JAVA_CONFIGS.containsKey(module)) {
            Path file = configFile(appSource, key, name, spec);
            if (file != null) {
                javaModule(module, pkgDir, file, name);
            }
        } else if (KnownModules.RUNTIMES.contains(module)) {
            Path file = configFile(appSource, key, name, spec);
            if (file != null) {
                runtime(file, name, spec);
            }
        }
    }

    /** The native package checks; returns the package dir when it is usable. */
    private Path checkPackage(String appSource, String key, ServiceSpec spec, NativePackages.Resolved pkg) {
        String where = appSource + ": " + key + ".image '" + spec.image + "'";
        switch (pkg.source()) {
            case MISSING -> {
                errors.add(where + ": no native package: " + (pkg.hostDir() == null ? "" : rel(pkg.hostDir().resolve(
                        "package.yml")) + " not found and ") + "no volume is mounted at " + pkg.servicePath() + " ("
                        + KnownModules.hintForMissing(pkg.name()) + ")");
                return null;
            }
            case MOUNT -> {
                if (!Files.isDirectory(pkg.hostDir())) {
                    Path installed = pkg.name() == null ? null : workDir.resolve(NativePackages.INSTALL_DIR).resolve(pkg.name());
                    String hint = installed != null && Files.isRegularFile(installed.resolve("package.yml"))
                            ? "; " + rel(installed) + " is installed: drop that volume and the master links it in"
                            : " (" + KnownModules.hintForMissing(pkg.name()) + ")";
                    errors.add(where + ": the package dir " + rel(pkg.hostDir()) + " (volume '" + pkg.volume().source
                            + "' mounted at " + pkg.volume().target + ") does not exist" + hint);
                    return null;
                }
            }
            default -> {
            }
        }
        Path pkgFile = pkg.hostDir().resolve("package.yml");
        if (!Files.isRegularFile(pkgFile)) {
            errors.add(where + ": " + rel(pkgFile) + " not found (a native package needs package.yml with an entry)");
            return null;
        }
        PackageConfig pc;
        try {
            pc = ConfigLoader.parse(ConfigLoader.read(pkgFile), rel(pkgFile), PackageConfig.class, PackageConfig::new);
        } catch (ConfigException e) {
            errors.add(where + ": " + e.getMessage());
            return null;
        }
        Path entry = pkg.hostDir().resolve(pc.entry).normalize();
        try {
            // after symlinks, as the engine checks it: entry: /bin/sh or ../other/bin/x is never run
            Path realPkg = pkg.hostDir().toRealPath();
            PathGuard.inside("entry", pc.entry, entry, realPkg, "its package directory");
        } catch (IllegalArgumentException | IOException e) {
            Path realPkg = pkg.hostDir();
            try {
                realPkg = pkg.hostDir().toRealPath();
            } catch (IOException ignored) {
                // keep the path as resolved
            }
            errors.add(where + ": " + rel(pkgFile) + ": entry '" + LogSafe.q(pc.entry) + "' must be a file inside the "
                    + "package directory " + realPkg);
            return null;
        }
        if (!Files.isRegularFile(entry)) {
            errors.add(where + ": " + rel(pkgFile) + ": entry '" + pc.entry + "' not found (" + rel(entry) + ")");
        } else if (!Files.isExecutable(entry)) {
            errors.add(where + ": " + rel(pkgFile) + ": entry '" + pc.entry + "' is not executable (chmod +x "
                    + rel(entry) + ")");
        }
        return pkg.hostDir();
    }

    /**
     * The host file a module reads as its config: {@code -c FILE} from the service's command, else
     * {@code etc/baetyl/service.yml}, through the service's volumes. Null (with an error) when no volume provides it.
     */
    private Path configFile(String appSource, String key, String name, ServiceSpec spec) {
        String inService = "etc/baetyl/service.yml";
        List<String> cmd = spec.command;
        for (int i = 0; i < cmd.size(); i++) {
            String a = cmd.get(i);
            if ((a.equals("-c") || a.equals("--config")) && i + 1 < cmd.size()) {
                inService = cmd.get(i + 1);
            } else if (a.startsWith("-c=") || a.startsWith("--config=")) {
                inService = a.substring(a.indexOf('=') + 1);
            }
        }
        Path host = hostPath(spec, inService);
        if (host == null) {
            errors.add(appSource + ": " + key + ": the module reads " + inService + ", but no volume of service '"
                    + name + "' is mounted at " + NativePackages.relative(inService).getParent());
        }
        return host;
    }

    /** A path inside the service's working dir, on the host through the service's volumes; null if none covers it. */
    private Path hostPath(ServiceSpec spec, String inService) {
        Path p = NativePackages.relative(inService);
        ServiceVolume best = null;
        Path bestTarget = null;
        for (ServiceVolume v : spec.volumes) {
            Path t = NativePackages.relative(v.target);
            if (p.startsWith(t) && (bestTarget == null || t.getNameCount() > bestTarget.getNameCount())) {
                best = v;
                bestTarget = t;
            }
        }
        return best == null ? null
                : workDir.resolve(NativePackages.relative(best.source)).resolve(bestTarget.relativize(p)).normalize();
    }

    private void javaModule(String module, Path pkgDir, Path file, String service) {
        String display = rel(file) + " (service " + service + ")";
        Path jar = pkgDir == null ? null : pkgDir.resolve("lib").resolve(module + ".jar");
        if (jar == null || !Files.isRegularFile(jar)) {
            warnings.add(display + ": not checked: the module's jar is not installed (" + (jar == null ? module : rel(jar))
                    + ")");
            return;
        }
        ModuleConfigChecker.Request request = new ModuleConfigChecker.Request(jar, KnownModules.JAVA_CONFIGS.get(module),
                file, display);
        if (results == null) {
            requests.add(request);
            return;
        }
        for (String l : results.getOrDefault(request, List.of())) {
            if (l.startsWith("error: ")) {
                errors.add(l.substring("error: ".length()));
            } else if (l.startsWith("warning: ")) {
                warnings.add(l.substring("warning: ".length()));
            } else if (l.startsWith(ModuleConfigChecker.UNCHECKED)) {
                warnings.add(display + ": not checked: the installed " + module + " cannot check its config ("
                        + l.substring(ModuleConfigChecker.UNCHECKED.length()) + ")");
            }
        }
    }

    private void runtime(Path file, String service, ServiceSpec spec) {
        String display = rel(file) + " (service " + service + ")";
        RuntimeConfig cfg;
        try {
            cfg = ServiceConfigLoader.parse(ConfigLoader.read(file), display, RuntimeConfig.class, RuntimeConfig::new,
                    key -> { });
        } catch (ConfigException e) {
            errors.add(e.getMessage().replace(file.toString(), display));
            return;
        }
        for (int i = 0; i < cfg.functions.size(); i++) {
            RuntimeConfig.Function f = cfg.functions.get(i);
            Path code = hostPath(spec, f.codedir);
            if (NativePackages.relative(f.codedir).startsWith("lib/baetyl")) {
                continue; // code shipped inside the package
            }
            // Warnings, not errors: the runtime starts on demand and answers calls of that function with an
            // error payload; the code may also arrive later (a volume the agent downloads).
            if (code == null) {
                warnings.add(display + ": functions[" + i + "].codedir: " + f.codedir + " (function " + f.name
                        + ") is not inside any volume of the service: mount the code's volume there");
            } else if (!Files.isDirectory(code)) {
                warnings.add(display + ": functions[" + i + "].codedir: " + f.codedir + " (function " + f.name
                        + ") does not exist on the host (" + rel(code) + ")");
            }
        }
    }

    /** A host path as the user knows it: relative to the working dir when inside it. */
    private String rel(Path p) {
        Path abs = p.toAbsolutePath().normalize();
        return abs.startsWith(workDir) ? workDir.relativize(abs).toString() : abs.toString();
    }
}
