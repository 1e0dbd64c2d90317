package io.baetyl.master.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

/** The command line adds only the subcommand it runs, and all of them where a user may need the list. */
@Timeout(30)
class BaetylCommandTest {
    @Test
    void aNamedSubcommandIsTheOnlyOneBuilt() {
        assertThat(BaetylCommand.commandLine(new String[] {"start", "-w", "x"}).getSubcommands()).containsOnlyKeys("start");
        assertThat(BaetylCommand.commandLine(new String[] {"hash-password"}).getSubcommands())
                .containsOnlyKeys("hash-password");
    }

    @Test
    void usageHelpAndMistakesSeeEverySubcommand() {
        for (String[] args : new String[][] {{}, {"--help"}, {"help"}, {"help", "start"}, {"strat"}, {"-w"}}) {
            assertThat(BaetylCommand.commandLine(args).getSubcommands()).as(String.join(" ", args))
                    .containsOnlyKeys(BaetylCommand.SUBCOMMANDS);
        }
        StringWriter err = new StringWriter();
        CommandLine cl = BaetylCommand.commandLine(new String[] {"strat"});
        cl.setErr(new PrintWriter(err));
        assertThat(cl.execute("strat")).isEqualTo(2);
        assertThat(err.toString()).contains("Unmatched argument at index 0: 'strat'").contains("start");
    }

    @Test
    void aSubcommandsHelpIsTheSameAsWithAllOfThemAdded() {
        CommandLine alone = BaetylCommand.commandLine(new String[] {"check"});
        CommandLine all = BaetylCommand.commandLine(new String[0]);
        assertThat(alone.getSubcommands().get("check").getUsageMessage())
                .isEqualTo(all.getSubcommands().get("check").getUsageMessage())
                .contains("-w");
    }
}
