package io.baetyl.hub.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.baetyl.hub.config.HubConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

class AuthenticatorTest {
    static HubConfig.Principal principal(String user, String pass, List<String> pub, List<String> sub) {
        HubConfig.Principal p = new HubConfig.Principal();
        p.username = user;
        p.password = pass;
        HubConfig.Permission pp = new HubConfig.Permission();
        pp.action = "pub";
        pp.permits = pub;
        HubConfig.Permission sp = new HubConfig.Permission();
        sp.action = "sub";
        sp.permits = sub;
        p.permissions = List.of(pp, sp);
        return p;
    }

    private final Authenticator auth = new Authenticator(List.of(
            principal("test", "hahaha", List.of("test", "benchmark", "a/+/b", "+/a/#"), List.of("test/#", "x/+")),
            principal("cert", null, List.of("#"), List.of("#"))));

    @Test
    void passwordLogin() {
        assertThat(auth.authenticate("test", "hahaha")).isNotNull();
        assertThat(auth.authenticate("test", "wrong")).isNull();
        assertThat(auth.authenticate("nobody", "hahaha")).isNull();
        assertThat(auth.authenticate("test", "")).isNull();
        // a principal without password cannot log in with one
        assertThat(auth.authenticate("cert", "x")).isNull();
    }

    @Test
    void certificateLogin() {
        assertThat(auth.authenticateCertificate("cert")).isNotNull();
        assertThat(auth.authenticateCertificate("test")).isNull();
        assertThat(auth.authenticateCertificate("nobody")).isNull();
    }

    @Test
    void publishPermits() {
        Authenticator.Account a = auth.authenticate("test", "hahaha");
        assertThat(a.canPublish("test")).isTrue();
        assertThat(a.canPublish("a/x/b")).isTrue();
        assertThat(a.canPublish("a/x/c")).isFalse();
        assertThat(a.canPublish("z/a")).isTrue();
        assertThat(a.canPublish("z/a/b/c")).isTrue();
        assertThat(a.canPublish("haha")).isFalse();
    }

    @Test
    void subscribePermits() {
        Authenticator.Account a = auth.authenticate("test", "hahaha");
        assertThat(a.canSubscribe("test")).isTrue();
        assertThat(a.canSubscribe("test/#")).isTrue();
        assertThat(a.canSubscribe("test/+/c")).isTrue();
        assertThat(a.canSubscribe("x/y")).isTrue();
        assertThat(a.canSubscribe("x/#")).isFalse();
        assertThat(a.canSubscribe("#")).isFalse();
    }
}
