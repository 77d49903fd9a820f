/**
 * The Prometheus workspace's Alertmanager definition (AMP user guide, "Alert manager configuration"): alerts route
 * by their `severity` label to the warning or the critical SNS topic, signed with SigV4 in the workspace's region.
 * A severity the tier does not notify (warnings at mvp) goes to a receiver with no integrations, so the alert is
 * still visible in the workspace but pages no one.
 */
import type { Severity } from "../../../stacks/monitoring";
import { toYaml, type YamlValue } from "./yaml";

export interface AlertmanagerInput {
  region: string;
  topics: Record<Severity, string>;
  notify: Record<Severity, boolean>;
}

/** The inner Alertmanager configuration (what `amtool check-config` reads). */
export function alertmanagerConfig(input: AlertmanagerInput): YamlValue {
  const receiver = (severity: Severity): YamlValue =>
    input.notify[severity]
      ? {
          name: severity,
          sns_configs: [
            {
              topic_arn: input.topics[severity],
              sigv4: { region: input.region },
              subject: `[${severity}] {{ .CommonLabels.alertname }}`,
              send_resolved: true,
            },
          ],
        }
      : { name: severity };
  return {
    route: {
      receiver: "critical",
      group_by: ["alertname", "severity"],
      group_wait: "30s",
      group_interval: "5m",
      // Critical alerts repeat every 4 hours until resolved; warnings once a day.
      repeat_interval: "4h",
      routes: [{ receiver: "warning", matchers: ['severity="warning"'], repeat_interval: "24h" }],
    },
    // A critical alert silences the warning of the same alert.
    inhibit_rules: [
      { source_matchers: ['severity="critical"'], target_matchers: ['severity="warning"'], equal: ["alertname"] },
    ],
    receivers: [receiver("critical"), receiver("warning")],
  };
}

/** The definition AMP takes: the configuration above as a string under `alertmanager_config`. */
export function alertmanagerDefinition(input: AlertmanagerInput): string {
  return toYaml({ alertmanager_config: toYaml(alertmanagerConfig(input)) });
}
