package io.baetyl.master.security;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.baetyl.master.api.ApiException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(5)
class AccessPolicyTest {
    private final AccessPolicy policy = new AccessPolicy(List.of("agent"));

    @Test
    void updateOnlyForGrantedServices() {
        assertThatCode(() -> policy.checkUpdate("agent")).doesNotThrowAnyException();
        assertThatThrownBy(() -> policy.checkUpdate("dummy")).isInstanceOfSatisfying(ApiException.class,
                        e -> org.assertj.core.api.Assertions.assertThat(e.status()).isEqualTo(403))
                .hasMessage("service 'dummy' may not update the system: only services [agent] may "
                        + "(conf.yml server.update.allowed)");
        assertThatThrownBy(() -> new AccessPolicy(List.of()).checkUpdate("agent"))
                .hasMessageContaining("only no service may");
    }

    @Test
    void dynamicInstancesOfAnyService_replicasOnlyByTheirOwnService() {
        assertThatCode(() -> policy.checkStart("fm", "function-sayhi", "function-sayhi.sayhi.1", false))
                .doesNotThrowAnyException();
        assertThatCode(() -> policy.checkStop("dummy", "function-sayhi", "function-sayhi.sayhi.1", false))
                .doesNotThrowAnyException();
        assertThatCode(() -> policy.checkStop("localhub", "localhub", "localhub", true)).doesNotThrowAnyException();
        assertThatThrownBy(() -> policy.checkStop("dummy", "localhub", "localhub", true))
                .hasMessage("service 'dummy' may not stop instance 'localhub' of service 'localhub': it is a "
                        + "supervised replica, only the master and service 'localhub' may stop it");
        assertThatThrownBy(() -> policy.checkStart("dummy", "localhub", "localhub.i1", true))
                .hasMessageStartingWith("service 'dummy' may not start instance 'localhub.i1' of service 'localhub'");
    }

    @Test
    void reportsOnlyForTheCallersOwnService() {
        assertThatCode(() -> policy.checkReport("hub", "hub")).doesNotThrowAnyException();
        assertThatThrownBy(() -> policy.checkReport("dummy", "hub"))
                .hasMessage("service 'dummy' may not report for service 'hub': a service reports only its own instances");
    }
}
