import * as k8s from 'kubernetes-models';
import * as monitoring from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { parseAllDocuments } from 'yaml';

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

/** The objects of a multi-document YAML stream (`helm template` output); empty documents dropped. */
export function parseManifests(text: string): K8sObject[] {
  return parseAllDocuments(text)
    .map((document) => {
      if (document.errors.length) throw new Error(`invalid YAML: ${document.errors[0]!.message}`);
      return document.toJS() as K8sObject | null;
    })
    .filter((object): object is K8sObject => object !== null);
}

type Model = new (data: object) => { validate(): void };

/** `networking.k8s.io` → `networkingK8sIo`, the namespace kubernetes-models exports it as. */
function groupExportName(group: string): string {
  return group.split('.').map((part, index) => (index === 0 ? part : part[0]!.toUpperCase() + part.slice(1))).join('');
}

/** The kubernetes-models (or prometheus-operator) class of an object's apiVersion and kind. */
export function modelOf(object: Pick<K8sObject, 'apiVersion' | 'kind'>): Model {
  const [group, version] = object.apiVersion.includes('/') ? object.apiVersion.split('/') : ['', object.apiVersion];
  if (group === 'monitoring.coreos.com' && version === 'v1') {
    const model = (monitoring as unknown as Record<string, Model | undefined>)[object.kind];
    if (model) return model;
  }
  const namespace = (group ? (k8s as unknown as Record<string, unknown>)[groupExportName(group!)] : k8s) as Record<string, Record<string, Model>> | undefined;
  const model = namespace?.[version!]?.[object.kind];
  if (!model) throw new Error(`no schema for ${object.apiVersion} ${object.kind}`);
  return model;
}

/** Validates against the Kubernetes (or prometheus-operator) JSON schema; throws naming the object. */
export function validateObject(object: K8sObject): void {
  try {
    new (modelOf(object))(object).validate();
  } catch (error) {
    throw new Error(`${object.kind}/${object.metadata?.name}: ${(error as Error).message}`);
  }
}
