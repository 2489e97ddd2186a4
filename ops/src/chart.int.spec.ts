import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { alertRulesFile } from './alert-rules.js';
import { k8sDir, k8sManifestFile, renderK8sManifests } from './k8s-manifests.js';
import { parseManifests, validateObject, type K8sObject } from './manifests.js';
import { chartDir, helm, helmTemplate, kustomize } from './tools.js';

const overrides = ['managed-datastores-values.yaml', 'small-values.yaml'].map((file) => join(chartDir, 'ci', file));
const variants: Array<{ name: string; files: string[] }> = [
  { name: 'default values', files: [] },
  ...overrides.map((file) => ({ name: file.split('/').at(-1)!, files: [file] })),
];

interface Container {
  name: string;
  args?: string[];
  env?: Array<{ name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }>;
  securityContext?: Record<string, unknown>;
  volumeMounts?: Array<{ name: string; mountPath: string }>;
  livenessProbe?: { httpGet?: { path: string } };
  readinessProbe?: { httpGet?: { path: string } };
  resources?: { requests?: object; limits?: object };
}
interface PodSpec {
  securityContext?: Record<string, unknown>;
  containers: Container[];
  volumes?: Array<{ name: string; emptyDir?: object }>;
}

const podSpecOf = (object: K8sObject) => (object.spec as { template: { spec: PodSpec } }).template.spec;
const ofKind = (objects: K8sObject[], kind: string) => objects.filter((object) => object.kind === kind);
const appOf = (object: K8sObject) => object.metadata.labels?.['app.kubernetes.io/name'];

describe.each(variants)('the chart rendered with $name', ({ files }) => {
  let objects: K8sObject[];
  beforeAll(async () => {
    objects = parseManifests(await helmTemplate(files));
  });

  it('passes helm lint --strict', async () => {
    const output = await helm(['lint', chartDir, '--strict', ...files.flatMap((file) => ['-f', file])]);
    expect(output).toContain('0 chart(s) failed');
  });

  it('renders only objects valid against the Kubernetes and prometheus-operator schemas', () => {
    expect(objects.length).toBeGreaterThan(10);
    for (const object of objects) expect(() => validateObject(object)).not.toThrow();
  });

  it('runs every pod as a numeric non-root user and group, read-only, with a writable /tmp', () => {
    const workloads = [...ofKind(objects, 'Deployment'), ...ofKind(objects, 'Job')];
    expect(workloads.length).toBeGreaterThanOrEqual(3);
    for (const workload of workloads) {
      const pod = podSpecOf(workload);
      const where = `${workload.kind}/${workload.metadata.name}`;
      expect(pod.securityContext?.runAsNonRoot, where).toBe(true);
      expect(Number.isInteger(pod.securityContext?.runAsUser) && (pod.securityContext?.runAsUser as number) > 0, `${where} runAsUser`).toBe(true);
      expect(Number.isInteger(pod.securityContext?.runAsGroup) && (pod.securityContext?.runAsGroup as number) > 0, `${where} runAsGroup`).toBe(true);
      for (const container of pod.containers) {
        expect(container.securityContext, where).toMatchObject({
          runAsNonRoot: true,
          runAsUser: pod.securityContext?.runAsUser,
          runAsGroup: pod.securityContext?.runAsGroup,
          readOnlyRootFilesystem: true,
          allowPrivilegeEscalation: false,
          capabilities: { drop: ['ALL'] },
        });
        const tmp = container.volumeMounts?.find((mount) => mount.mountPath === '/tmp');
        expect(pod.volumes?.find((volume) => volume.name === tmp?.name)?.emptyDir, `${where} /tmp`).toBeDefined();
        expect(container.resources?.requests, `${where} resources`).toBeDefined();
        expect(container.resources?.limits, `${where} resources`).toBeDefined();
      }
    }
  });

  it('gives every app probes, a Service, a PodDisruptionBudget and a NetworkPolicy (when enabled)', () => {
    for (const deployment of ofKind(objects, 'Deployment')) {
      const app = appOf(deployment)!;
      const [container] = podSpecOf(deployment).containers;
      expect(container!.args, app).toEqual([`dist/apps/${app}/src/main.js`]);
      expect(container!.livenessProbe?.httpGet?.path, app).toBe('/healthz');
      expect(container!.readinessProbe?.httpGet?.path, app).toBe('/readyz');
      expect(ofKind(objects, 'Service').some((service) => appOf(service) === app), `${app} Service`).toBe(true);
      expect(ofKind(objects, 'PodDisruptionBudget').some((pdb) => appOf(pdb) === app), `${app} PDB`).toBe(true);
    }
    const policies = ofKind(objects, 'NetworkPolicy');
    if (policies.length) for (const deployment of ofKind(objects, 'Deployment')) expect(policies.some((policy) => appOf(policy) === appOf(deployment)), appOf(deployment)).toBe(true);
  });

  it('reads every secret and connection URL from a Secret by name, never inline', () => {
    for (const workload of [...ofKind(objects, 'Deployment'), ...ofKind(objects, 'Job')]) {
      for (const variable of podSpecOf(workload).containers.flatMap((container) => container.env ?? [])) {
        if (/TOKEN|SECRET|PASSWORD|^REDIS_URL$|^DATABASE_URL$/.test(variable.name)) {
          expect(variable.value, `${workload.metadata.name} ${variable.name}`).toBeUndefined();
          expect(variable.valueFrom?.secretKeyRef?.name, `${workload.metadata.name} ${variable.name}`).toBeTruthy();
        }
      }
    }
    expect(ofKind(objects, 'Secret')).toEqual([]);
  });
});

describe('what each values file turns on', () => {
  it('default values: every app, HPAs for router and hub, migrations as a hook Job, Redis open to Parley only', async () => {
    const objects = parseManifests(await helmTemplate());
    expect(ofKind(objects, 'Deployment').map(appOf).sort()).toEqual(['hub', 'ingest-twitch', 'router', 'shard-manager']);
    expect(ofKind(objects, 'HorizontalPodAutoscaler').map(appOf).sort()).toEqual(['hub', 'router']);
    const [job] = ofKind(objects, 'Job');
    expect(job?.metadata.annotations?.['helm.sh/hook']).toBe('pre-install,pre-upgrade');
    const env = (app: string) => podSpecOf(ofKind(objects, 'Deployment').find((d) => appOf(d) === app)!).containers[0]!.env!;
    expect(env('router').find((variable) => variable.name === 'PARLEY_MIGRATE_ON_START')?.value).toBe('false');
    expect(env('shard-manager').find((variable) => variable.name === 'SHARD_PLATFORMS')?.value).toBe('twitch');
    const redisPolicy = ofKind(objects, 'NetworkPolicy').find((policy) => policy.metadata.name === 'parley-redis-parley-only');
    expect(redisPolicy?.spec).toMatchObject({ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'redis' } }, policyTypes: ['Ingress'] });
    expect(ofKind(objects, 'ServiceMonitor')).toEqual([]);
    expect(ofKind(objects, 'ServiceAccount')).toHaveLength(1);
  });

  it('NOTES name every Secret the pods read, and where the traces go', async () => {
    const output = await helm(['install', 'parley', chartDir, '--dry-run=client', '--namespace', 'parley', '-f', overrides[0]!]);
    const notes = output.slice(output.indexOf('NOTES:'));
    for (const line of ['parley-datastores: redis', 'parley-datastores: postgres', 'parley-hub: admin-token, cookie-secret', 'parley-twitch-oauth: refresh-token (ingest-twitch TWITCH_REFRESH_TOKEN)']) expect(notes).toContain(line);
    expect(notes).toContain('https://parley.example.com/docs');
    expect(notes).toContain('Traces go to http://otel-collector.observability:4318');
  });

  it('managed datastores: ServiceMonitor, the alert rules file as a PrometheusRule, dashboards for the Grafana sidecar, OTLP', async () => {
    const objects = parseManifests(await helmTemplate([overrides[0]!]));
    const [monitor] = ofKind(objects, 'ServiceMonitor');
    expect(monitor?.metadata.labels?.release).toBe('kube-prometheus-stack');
    const [rule] = ofKind(objects, 'PrometheusRule');
    expect(rule?.spec).toEqual(parse(readFileSync(alertRulesFile, 'utf8')));
    const dashboards = ofKind(objects, 'ConfigMap').filter((map) => map.metadata.labels?.grafana_dashboard === '1');
    const dashboardFiles = readdirSync(join(chartDir, 'files', 'dashboards'));
    expect(dashboards).toHaveLength(dashboardFiles.length);
    for (const map of dashboards) for (const json of Object.values(map.data as Record<string, string>)) expect(JSON.parse(json)).toHaveProperty('panels');
    const routerEnv = podSpecOf(ofKind(objects, 'Deployment').find((d) => appOf(d) === 'router')!).containers[0]!.env!;
    expect(routerEnv.find((variable) => variable.name === 'OTEL_EXPORTER_OTLP_ENDPOINT')?.value).toBe('http://otel-collector.observability:4318');
    expect(ofKind(objects, 'NetworkPolicy').some((policy) => policy.metadata.name.endsWith('redis-parley-only'))).toBe(false);
    expect(ofKind(objects, 'Ingress')).toHaveLength(1);
  });

  it('small: fixed replicas, no HPA, no shard manager, no Job; the apps migrate on start', async () => {
    const objects = parseManifests(await helmTemplate([overrides[1]!]));
    expect(ofKind(objects, 'HorizontalPodAutoscaler')).toEqual([]);
    expect(ofKind(objects, 'Job')).toEqual([]);
    expect(ofKind(objects, 'Deployment').map(appOf).sort()).toEqual(['hub', 'ingest-twitch', 'router']);
    for (const deployment of ofKind(objects, 'Deployment')) expect((deployment.spec as { replicas: number }).replicas).toBe(1);
    const routerEnv = podSpecOf(ofKind(objects, 'Deployment').find((d) => appOf(d) === 'router')!).containers[0]!.env!;
    expect(routerEnv.find((variable) => variable.name === 'PARLEY_MIGRATE_ON_START')?.value).toBe('true');
  });

  it('a new platform is one ingest entry: its app, env and secrets, and the shard manager places it', async () => {
    const objects = parseManifests(
      await helmTemplate([], [
        'ingest.youtube.enabled=true',
        'ingest.youtube.replicas=2',
        'ingest.youtube.sharded=true',
        'ingest.youtube.env.YOUTUBE_DAILY_UNITS=20000',
        'ingest.youtube.egressPorts={443}',
        'ingest.youtube.resources.requests.cpu=100m',
        'ingest.youtube.resources.limits.memory=256Mi',
      ]),
    );
    const youtube = ofKind(objects, 'Deployment').find((deployment) => appOf(deployment) === 'ingest-youtube');
    const container = podSpecOf(youtube!).containers[0]!;
    expect(container.args).toEqual(['dist/apps/ingest-youtube/src/main.js']);
    expect(container.env).toContainEqual({ name: 'YOUTUBE_DAILY_UNITS', value: '20000' });
    expect(container.env).toContainEqual({ name: 'YOUTUBE_BOT_REFRESH_TOKEN', valueFrom: { secretKeyRef: { name: 'parley-youtube', key: 'bot-refresh-token' } } });
    const shardEnv = podSpecOf(ofKind(objects, 'Deployment').find((d) => appOf(d) === 'shard-manager')!).containers[0]!.env!;
    expect(shardEnv.find((variable) => variable.name === 'SHARD_PLATFORMS')?.value).toBe('twitch,youtube');
    for (const kind of ['Service', 'PodDisruptionBudget', 'NetworkPolicy']) expect(ofKind(objects, kind).some((object) => appOf(object) === 'ingest-youtube'), kind).toBe(true);
  });

  it('Twitch over EventSub: the ingest pods get DATABASE_URL and egress to PostgreSQL (they follow the hub channels); over IRC neither', async () => {
    const databaseUrl = (objects: ReturnType<typeof parseManifests>) =>
      podSpecOf(ofKind(objects, 'Deployment').find((d) => appOf(d) === 'ingest-twitch')!).containers[0]!.env!.find((variable) => variable.name === 'DATABASE_URL');
    const postgresEgress = (objects: ReturnType<typeof parseManifests>) =>
      JSON.stringify((ofKind(objects, 'NetworkPolicy').find((policy) => appOf(policy) === 'ingest-twitch')!.spec as { egress: unknown[] }).egress).includes('5432');
    const irc = parseManifests(await helmTemplate([]));
    expect(databaseUrl(irc)).toBeUndefined();
    expect(postgresEgress(irc)).toBe(false);
    const eventsub = parseManifests(await helmTemplate([], ['ingest.twitch.env.TWITCH_TRANSPORT=eventsub', 'ingest.twitch.replicas=3']));
    expect(databaseUrl(eventsub)).toMatchObject({ valueFrom: { secretKeyRef: { key: expect.any(String) } } });
    expect(postgresEgress(eventsub)).toBe(true);
    // The conduit is sized from the replicas, the same count for the pods and the shard manager.
    const envOf = (objects: ReturnType<typeof parseManifests>, app: string, name: string) =>
      podSpecOf(ofKind(objects, 'Deployment').find((d) => appOf(d) === app)!).containers[0]!.env!.find((variable) => variable.name === name)?.value;
    expect(envOf(eventsub, 'ingest-twitch', 'TWITCH_CONDUIT_SHARDS')).toBe('12');
    expect(envOf(eventsub, 'shard-manager', 'SHARD_TWITCH_CONDUIT_SHARDS')).toBe('12');
    const fixed = parseManifests(await helmTemplate([], ['ingest.twitch.env.TWITCH_TRANSPORT=eventsub', 'ingest.twitch.env.TWITCH_CONDUIT_SHARDS=5']));
    expect(envOf(fixed, 'ingest-twitch', 'TWITCH_CONDUIT_SHARDS')).toBe('5');
    expect(envOf(fixed, 'shard-manager', 'SHARD_TWITCH_CONDUIT_SHARDS')).toBe('5');
    expect(envOf(irc, 'shard-manager', 'SHARD_TWITCH_CONDUIT_SHARDS')).toBeUndefined();
  });

  it('Discord and Slack entries: gateway shards placed by the shard manager, Slack reachable from the ingress controller only', async () => {
    const objects = parseManifests(
      await helmTemplate([], [
        'ingest.discord.enabled=true',
        'ingest.discord.env.DISCORD_SHARD_COUNT=4',
        'ingest.slack.enabled=true',
        'ingest.slack.ingressFrom[0].namespaceSelector.matchLabels.name=ingress-nginx',
      ]),
    );
    const deployments = ofKind(objects, 'Deployment');
    for (const app of ['ingest-discord', 'ingest-slack']) expect(podSpecOf(deployments.find((d) => appOf(d) === app)!).containers[0]!.args).toEqual([`dist/apps/${app}/src/main.js`]);
    expect(podSpecOf(deployments.find((d) => appOf(d) === 'ingest-discord')!).containers[0]!.env).toContainEqual({ name: 'DISCORD_TOKEN', valueFrom: { secretKeyRef: { name: 'parley-discord', key: 'bot-token' } } });
    const shardEnv = podSpecOf(deployments.find((d) => appOf(d) === 'shard-manager')!).containers[0]!.env!;
    expect(shardEnv.find((variable) => variable.name === 'SHARD_PLATFORMS')?.value).toBe('discord,twitch');
    expect(shardEnv.find((variable) => variable.name === 'SHARD_DISCORD_GATEWAY_SHARDS')?.value).toBe('4');
    const slackPolicy = ofKind(objects, 'NetworkPolicy').find((policy) => appOf(policy) === 'ingest-slack')!;
    expect(JSON.stringify((slackPolicy.spec as { ingress: unknown[] }).ingress)).toContain('ingress-nginx');
    const discordPolicy = ofKind(objects, 'NetworkPolicy').find((policy) => appOf(policy) === 'ingest-discord')!;
    expect(JSON.stringify((discordPolicy.spec as { ingress: unknown[] }).ingress)).not.toContain('ingress-nginx');
  });

  it('refuses values the schema forbids: a root user, an unknown log level, a misspelt key', async () => {
    await expect(helmTemplate([], ['securityContext.runAsUser=0'])).rejects.toThrow(/runAsUser/);
    await expect(helmTemplate([], ['logLevel=verbose'])).rejects.toThrow(/logLevel/);
    await expect(helmTemplate([], ['router.replicaz=3'])).rejects.toThrow(/replicaz/);
  });
});

describe('k8s/', () => {
  let rendered: Map<string, string>;
  beforeAll(async () => {
    rendered = await renderK8sManifests();
  });

  it('is the chart rendered with k8s/values.yaml, unchanged since (npm run render:deploy rewrites it)', () => {
    for (const [file, text] of rendered) expect(readFileSync(join(k8sDir, file), 'utf8'), file).toBe(text);
    // A component whose platform is now on by default (or gone) is not left behind.
    const components = readdirSync(k8sDir, { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name);
    expect(components.sort()).toEqual([...new Set([...rendered.keys()].filter((file) => file.includes('/')).map((file) => file.split('/')[0]!))].sort());
  });

  it('adds each platform left off as a kustomize component: base + every component renders valid objects', async () => {
    const components = [...rendered.keys()].filter((file) => file.endsWith('/kustomization.yaml')).map((file) => file.split('/')[0]!);
    expect(components).toContain('ingest-youtube');
    const overlay = mkdtempSync(join(tmpdir(), 'parley-kustomize-'));
    try {
      writeFileSync(
        join(overlay, 'kustomization.yaml'),
        ['apiVersion: kustomize.config.k8s.io/v1beta1', 'kind: Kustomization', `resources: [${relative(overlay, k8sDir)}]`, `components: [${components.map((c) => relative(overlay, join(k8sDir, c))).join(', ')}]`, ''].join('\n'),
      );
      const objects = parseManifests(await kustomize(overlay));
      for (const object of objects) expect(() => validateObject(object)).not.toThrow();
      const deployments = ofKind(objects, 'Deployment');
      expect(deployments.map(appOf).sort()).toEqual(['hub', 'ingest-twitch', 'router', 'shard-manager', ...components].sort());
      // The base's shard manager already spreads the components' platforms: nothing to patch.
      const shardManager = podSpecOf(deployments.find((d) => appOf(d) === 'shard-manager')!).containers[0]!;
      const platforms = shardManager.env!.find((variable) => variable.name === 'SHARD_PLATFORMS')!.value!.split(',');
      const ingest = (parse(readFileSync(join(chartDir, 'values.yaml'), 'utf8')) as { ingest: Record<string, { sharded?: boolean }> }).ingest;
      const sharded = components.map((component) => component.replace(/^ingest-/, '')).filter((platform) => ingest[platform]?.sharded);
      expect(sharded).toContain('youtube');
      for (const platform of sharded) expect(platforms).toContain(platform);
      for (const component of components) {
        expect(ofKind(objects, 'Service').some((service) => appOf(service) === component), `${component} Service`).toBe(true);
        expect(ofKind(objects, 'NetworkPolicy').some((policy) => appOf(policy) === component), `${component} NetworkPolicy`).toBe(true);
      }
    } finally {
      rmSync(overlay, { recursive: true, force: true });
    }
  });

  it('holds only valid objects, and no hook Job: the apps migrate on start', () => {
    const objects = parseManifests(readFileSync(k8sManifestFile, 'utf8'));
    for (const object of objects) expect(() => validateObject(object)).not.toThrow();
    expect(ofKind(objects, 'Job')).toEqual([]);
    expect(ofKind(objects, 'Deployment').map(appOf).sort()).toEqual(['hub', 'ingest-twitch', 'router', 'shard-manager']);
  });
});
