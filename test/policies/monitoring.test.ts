/**
 * The monitoring rules (policies/rules/monitoring.ts) on the real v1 plan: it passes as declared, and dropping
 * the alarms of one data service or of the API's error rate fails naming what lost its alarm.
 */
import { planStack, type PlannedResource } from "../../tools/plan/harness";
import { apiErrorRateAlarm, dataServiceAlarms } from "../../policies/rules/monitoring";
import { enforcementFor } from "../../policies/tier";
import { stackViolations } from "./support";

const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
let resources: PlannedResource[];

beforeAll(async () => {
  resources = (await planStack("v1")).resources;
}, 120_000);

/** The plan without the alarms whose name matches `drop`. */
const without = (drop: RegExp) => resources.filter((r) => !(r.type === ALARM && drop.test(r.name)));

describe("alarms-on-data-services", () => {
  test("passes the v1 plan, whose alarms read every RDS instance, Redis member and the OpenSearch domain", () => {
    expect(stackViolations(dataServiceAlarms, resources)).toEqual([]);
  });

  test("fails naming the replica, the replication group or the domain that no alarm reads", () => {
    expect(stackViolations(dataServiceAlarms, without(/^alarms-rds-replica-2-/))).toEqual([
      {
        message: expect.stringMatching(
          /rds\.Instance "database-replica-2": no CloudWatch alarm reads AWS\/RDS metrics with DBInstanceIdentifier storyforge-v1-postgres-replica-2/,
        ),
        resource: "database-replica-2",
      },
    ]);
    expect(stackViolations(dataServiceAlarms, without(/^alarms-redis-/)).map((v) => v.resource)).toEqual([
      "cache-redis",
    ]);
    expect(stackViolations(dataServiceAlarms, without(/^alarms-search-/)).map((v) => v.resource)).toEqual([
      "search-domain",
    ]);
  });

  test("is mandatory from v1 and advisory at mvp", () => {
    expect(dataServiceAlarms.level).toBe("T");
    expect([enforcementFor("T", "mvp"), enforcementFor("T", "v1"), enforcementFor("T", "v2")]).toEqual([
      "advisory",
      "mandatory",
      "mandatory",
    ]);
  });
});

describe("alarm-on-api-error-rate", () => {
  test("passes the v1 plan and fails naming the ALB when no alarm reads its target 5xx count", () => {
    expect(stackViolations(apiErrorRateAlarm, resources)).toEqual([]);
    // The latency alarms stay: they do not watch the error rate.
    expect(stackViolations(apiErrorRateAlarm, without(/^alarms-alb-5xx-/))).toEqual([
      {
        message: expect.stringMatching(/no CloudWatch alarm reads its HTTPCode_Target_5XX_Count/),
        resource: "load-balancer-alb",
      },
    ]);
  });
});
