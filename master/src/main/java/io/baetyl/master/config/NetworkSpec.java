package io.baetyl.master.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.LinkedHashMap;
import java.util.Map;

/** A user-defined network ({@code networks: {name: {driver, driver_opts, labels}}}); docker only. */
public class NetworkSpec {
    public String driver = "bridge";
    @JsonProperty("driver_opts")
    public Map<String, String> driverOpts = new LinkedHashMap<>();
    public Map<String, String> labels = new LinkedHashMap<>();
}
