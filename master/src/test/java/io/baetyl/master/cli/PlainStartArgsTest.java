package io.baetyl.master.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

/** A plain {@code start} read without picocli gives the options picocli gives; every other form is left to it. */
@Timeout(30)
class PlainStartArgsTest {
    @Test
    void aPlainStartReadsAsPicocliReadsIt() {
        String[][] plain = {
            {"start"},
            {"start", "-w", "/opt/baetyl"},
            {"start", "--workdir", "rel/dir", "-c", "etc/other.yml"},
            {"start", "-c", "conf dir/a b.yml", "-w", "work/../dir"},
            {"start", "--config", "x.yml"},
            {"start", "-w", ""},
        };
        for (String[] args : plain) {
            WorkdirOptions ours = PlainStartArgs.parse(args);
            StartCommand start = new StartCommand();
            new CommandLine(start).parseArgs(Arrays.copyOfRange(args, 1, args.length));
            String what = String.join(" ", args);
            assertThat(ours).as(what).isNotNull();
            assertThat(ours.workdir).as(what).isEqualTo(start.options.workdir);
            assertThat(ours.config).as(what).isEqualTo(start.options.config);
            assertThat(ours.workdir()).as(what).isEqualTo(start.options.workdir());
        }
    }

    @Test
    void everyOtherFormIsLeftToPicocli() {
        String[][] others = {
            {}, {"check"}, {"version"}, {"help", "start"}, {"strat"},
            {"start", "-h"}, {"start", "--help"}, {"start", "-V"},
            {"start", "-w"}, {"start", "-w=x"}, {"start", "-wx"}, {"start", "--workdir=x"},
            {"start", "-w", "x", "-w", "y"}, {"start", "-c", "a", "--config", "b"},
            {"start", "-w", "-c"}, {"start", "-w", "@args.txt"}, {"start", "@args.txt"},
            {"start", "x"}, {"start", "-x", "y"}, {"start", "--", "-w"},
        };
        for (String[] args : others) {
            assertThat(PlainStartArgs.parse(args)).as(String.join(" ", args)).isNull();
        }
    }
}
