package io.baetyl.master.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.LinkedHashMap;
import java.util.Map;

/** A named volume of the compose format ({@code volumes: {name: {driver, driver_opts, labels}}}); docker only. */
public class VolumeSpec {
    public String driver = "local";
    @JsonProperty("driver_opts")
    public Map<String, String> driverOpts = new LinkedHashMap<>();
    public Map<String, String> labels = new LinkedHashMap<>();
}
