import { LegendDisplayMode, LegendPlacement, VizLegendOptionsBuilder } from '@grafana/grafana-foundation-sdk/common';
import { DashboardBuilder, DatasourceVariableBuilder, RowBuilder, type Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { DataqueryBuilder } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as StatPanelBuilder } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as TimeseriesPanelBuilder } from '@grafana/grafana-foundation-sdk/timeseries';

/** Every query reads the Prometheus picked in the dashboard's `datasource` variable. */
const DATASOURCE = { type: 'prometheus', uid: '${datasource}' };

export interface Query {
  expr: string;
  legend: string;
}

export interface PanelSpec {
  title: string;
  description: string;
  unit?: string;
  queries: Query[];
  /** Columns out of 24 (Grafana's grid); default 12. */
  width?: number;
  /** `stat`: the latest value, big; default a time series. */
  kind?: 'timeseries' | 'stat';
}

export interface DashboardSpec {
  /** File name under helm/parley/files/dashboards and Grafana uid. */
  uid: string;
  title: string;
  description: string;
  rows: Array<{ title: string; panels: PanelSpec[] }>;
}

function targets(queries: Query[]) {
  return queries.map((query, index) =>
    new DataqueryBuilder().expr(query.expr).legendFormat(query.legend).refId(String.fromCharCode(65 + index)).datasource(DATASOURCE),
  );
}

function panel(spec: PanelSpec) {
  const width = spec.width ?? 12;
  if (spec.kind === 'stat') {
    return new StatPanelBuilder().title(spec.title).description(spec.description).unit(spec.unit ?? 'short').datasource(DATASOURCE).targets(targets(spec.queries)).span(width).height(5);
  }
  return new TimeseriesPanelBuilder()
    .title(spec.title)
    .description(spec.description)
    .unit(spec.unit ?? 'short')
    .datasource(DATASOURCE)
    .targets(targets(spec.queries))
    .legend(new VizLegendOptionsBuilder().showLegend(true).displayMode(LegendDisplayMode.List).placement(LegendPlacement.Bottom))
    .span(width)
    .height(8);
}

/** A Grafana dashboard (JSON model) from a spec: rows of panels, a Prometheus picker, 30 s refresh. */
export function buildDashboard(spec: DashboardSpec): Dashboard {
  const builder = new DashboardBuilder(spec.title)
    .uid(spec.uid)
    .description(spec.description)
    .tags(['parley'])
    .refresh('30s')
    .time({ from: 'now-3h', to: 'now' })
    .timezone('browser')
    .withVariable(new DatasourceVariableBuilder('datasource').label('Prometheus').type('prometheus'));
  for (const row of spec.rows) {
    builder.withRow(new RowBuilder(row.title));
    for (const panelSpec of row.panels) builder.withPanel(panel(panelSpec));
  }
  return builder.build();
}
