/** A template as a list of literal text and variables; a variable's arguments are templates too (variables nest). */
export type TemplateNode = TextNode | VariableNode;

export interface TextNode {
  kind: 'text';
  text: string;
}

export interface VariableNode {
  kind: 'var';
  /** The variable's name as written (`touser`, `1`, `random.pick`, `arg1`). */
  name: string;
  /** The argument text as written, variables included. */
  argText: string;
  /** The arguments parsed in the same dialect. */
  args: TemplateNode[];
  /** The whole variable as written (`$(urlfetch https://…)`). */
  raw: string;
}

/** Past this depth nested variables are left as text: no source nests that deep on purpose. */
export const MAX_NESTING = 8;
