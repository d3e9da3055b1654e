import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventTargets from 'aws-cdk-lib/aws-events-targets';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as xray from 'aws-cdk-lib/aws-xray';
import { Construct } from 'constructs';

/** An audit event the server logs as pino JSON (`{"event":"auth.login.failed",...}`). */
export interface AuditSignal {
  readonly event: string;
  readonly metricName: string;
  /** Alarm when the 5-minute sum reaches this. */
  readonly threshold: number;
}

export const AUDIT_SIGNALS: readonly AuditSignal[] = [
  { event: 'auth.login.failed', metricName: 'LoginFailures', threshold: 50 },
  { event: 'auth.lockout', metricName: 'Lockouts', threshold: 5 },
  { event: 'rate_limit.exceeded', metricName: 'RateLimited', threshold: 500 },
  // A replayed refresh token means a stolen one: a single occurrence pages someone.
  { event: 'auth.refresh.reuse', metricName: 'RefreshTokenReuse', threshold: 1 },
];

export const SECURITY_NAMESPACE = 'Bastion/Security';

export interface MonitoringProps {
  readonly logsKey: kms.IKey;
  readonly logRetention: logs.RetentionDays;
  readonly alarmEmail: string;
  /**
   * @default AUDIT_SIGNALS
   */
  readonly signals?: readonly AuditSignal[];
}

/**
 * Observability and alerting: KMS-encrypted log groups with retention for the app and its
 * sidecars, metric filters on the audit events with alarms to an encrypted SNS topic,
 * GuardDuty findings (severity >= 7) to the same topic, an X-Ray sampling rule, and a
 * dashboard. Call `watch` once the service exists to add its operational alarms.
 *
 * @example
 * const monitoring = new Monitoring(this, 'Monitoring', { logsKey, logRetention, alarmEmail });
 * monitoring.watch(api.service, api.loadBalancer, api.targetGroup);
 */
export class Monitoring extends Construct {
  public readonly appLogGroup: logs.LogGroup;
  public readonly sidecarLogGroup: logs.LogGroup;
  public readonly topic: sns.Topic;
  public readonly dashboard: cloudwatch.Dashboard;
  private readonly alarmAction: actions.SnsAction;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const group = (name: string) =>
      new logs.LogGroup(this, name, {
        encryptionKey: props.logsKey,
        retention: props.logRetention,
        removalPolicy: RemovalPolicy.RETAIN,
      });
    this.appLogGroup = group('App');
    this.sidecarLogGroup = group('Sidecars');

    this.topic = new sns.Topic(this, 'Alarms', { masterKey: props.logsKey, enforceSSL: true });
    this.topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
    this.alarmAction = new actions.SnsAction(this.topic);
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { dashboardName: 'Bastion' });

    const widgets: cloudwatch.IWidget[] = [];
    for (const signal of props.signals ?? AUDIT_SIGNALS) {
      new logs.MetricFilter(this, `${signal.metricName}Filter`, {
        logGroup: this.appLogGroup,
        filterPattern: logs.FilterPattern.stringValue('$.event', '=', signal.event),
        metricNamespace: SECURITY_NAMESPACE,
        metricName: signal.metricName,
        metricValue: '1',
        defaultValue: 0,
      });
      const metric = new cloudwatch.Metric({
        namespace: SECURITY_NAMESPACE,
        metricName: signal.metricName,
        statistic: 'Sum',
        period: Duration.minutes(5),
      });
      this.alarm(signal.metricName, metric, signal.threshold, `${signal.event} spike`);
      widgets.push(new cloudwatch.GraphWidget({ title: signal.event, left: [metric], width: 6 }));
    }
    this.dashboard.addWidgets(...widgets);

    new events.Rule(this, 'GuardDutyFindings', {
      description: 'High-severity GuardDuty findings to the alarm topic',
      eventPattern: {
        source: ['aws.guardduty'],
        detailType: ['GuardDuty Finding'],
        detail: { severity: [{ numeric: ['>=', 7] }] },
      },
      targets: [new eventTargets.SnsTopic(this.topic)],
    });

    new xray.CfnSamplingRule(this, 'Sampling', {
      samplingRule: {
        ruleName: 'bastion',
        priority: 100,
        fixedRate: 0.05,
        reservoirSize: 1,
        serviceName: 'bastion',
        serviceType: '*',
        host: '*',
        httpMethod: '*',
        urlPath: '*',
        resourceArn: '*',
        version: 1,
      },
    });
  }

  /** Operational alarms and dashboard rows for the running service. */
  public watch(
    service: ecs.FargateService,
    loadBalancer: elbv2.ApplicationLoadBalancer,
    targetGroup: elbv2.ApplicationTargetGroup,
  ): void {
    const lb = loadBalancer.metrics;
    const errors5xx = lb.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, {
      period: Duration.minutes(5),
    });
    const unhealthy = targetGroup.metrics.unhealthyHostCount({ period: Duration.minutes(1) });
    const latency = targetGroup.metrics.targetResponseTime({
      period: Duration.minutes(5),
      statistic: 'p99',
    });
    const cpu = service.metricCpuUtilization({ period: Duration.minutes(5) });
    this.alarm('Target5xx', errors5xx, 25, 'API 5xx responses');
    this.alarm('UnhealthyTargets', unhealthy, 1, 'ALB sees an unhealthy Bastion task', 3);
    this.alarm('LatencyP99', latency, 1, 'API p99 latency above 1 s', 3);
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({ title: 'Requests', left: [lb.requestCount()], width: 6 }),
      new cloudwatch.GraphWidget({ title: 'Target 5xx', left: [errors5xx], width: 6 }),
      new cloudwatch.GraphWidget({ title: 'p99 latency', left: [latency], width: 6 }),
      new cloudwatch.GraphWidget({ title: 'CPU', left: [cpu], width: 6 }),
    );
  }

  private alarm(
    name: string,
    metric: cloudwatch.IMetric,
    threshold: number,
    description: string,
    evaluationPeriods = 1,
  ): void {
    const alarm = new cloudwatch.Alarm(this, `${name}Alarm`, {
      metric,
      threshold,
      evaluationPeriods,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: `Bastion: ${description}`,
    });
    alarm.addAlarmAction(this.alarmAction);
  }
}
