package io.baetyl.master.api;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** A MasterApi for tests: one account, canned inspect, and every call recorded. */
class RecordingMasterApi implements MasterApi {
    static final String USER = "agent";
    static final String TOKEN = "t0ken";

    record Call(String op, String service, String instance, Object arg) {
    }

    final List<Call> calls = new CopyOnWriteArrayList<>();
    volatile Map<String, Object> inspect = Map.of("time", "2019-04-18T16:04:45.920152Z");
    final CountDownLatch updateDone = new CountDownLatch(1);
    volatile RuntimeException failure;
    volatile String lastCaller;

    @Override
    public boolean authenticate(String username, String password) {
        return USER.equals(username) && TOKEN.equals(password);
    }

    @Override
    public Map<String, Object> inspect() {
        failIfAsked();
        return inspect;
    }

    @Override
    public void updateSystem(String caller, String trace, String type, String path) {
        failIfAsked();
        lastCaller = caller;
        calls.add(new Call("update", null, null, List.of(trace, type, path)));
        updateDone.countDown();
    }

    @Override
    public void reportInstance(String caller, String serviceName, String instanceName, Map<String, Object> stats) {
        failIfAsked();
        lastCaller = caller;
        calls.add(new Call("report", serviceName, instanceName, stats));
    }

    @Override
    public void startInstance(String caller, String serviceName, String instanceName, Map<String, String> env) {
        failIfAsked();
        calls.add(new Call("start", serviceName, instanceName, env));
    }

    @Override
    public void stopInstance(String caller, String serviceName, String instanceName) {
        failIfAsked();
        calls.add(new Call("stop", serviceName, instanceName, null));
    }

    private void failIfAsked() {
        RuntimeException f = failure;
        if (f != null) {
            throw f;
        }
    }
}
