import { XMLParser } from 'fast-xml-parser';
import { unzipSync } from 'fflate';
import { ImportError } from '../errors.js';

/**
 * Reads the cell text of one sheet of an .xlsx workbook: an .xlsx is a zip of XML parts,
 * unpacked with fflate and read with fast-xml-parser. Only the parts needed are inflated,
 * and each is refused past `maxPartBytes` before inflating, so a zip bomb is an error,
 * not an exhausted heap. Formulas, styles and dates are not interpreted (SLCB's quote
 * export holds plain strings and numbers).
 */
export interface XlsxOptions {
  maxPartBytes: number;
  maxRows: number;
}

export const DefaultXlsxOptions: XlsxOptions = { maxPartBytes: 20 * 1024 * 1024, maxRows: 50_000 };

const xml = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  textNodeName: '#text',
  parseTagValue: false,
  trimValues: false,
  processEntities: true,
  isArray: (name) => ['sheet', 'Relationship', 'si', 'r', 'row', 'c'].includes(name),
});

type XmlNode = Record<string, any>;

function text(node: unknown): string {
  if (node === undefined || node === null) return '';
  if (typeof node === 'string' || typeof node === 'number') return String(node);
  const object = node as XmlNode;
  if (object['#text'] !== undefined) return String(object['#text']);
  return '';
}

/** A shared string: plain `<t>` or rich text runs `<r><t>`. */
function sharedString(si: XmlNode): string {
  if (si.t !== undefined) return text(si.t);
  return ((si.r as XmlNode[] | undefined) ?? []).map((run) => text(run.t)).join('');
}

/** Column letters of a cell reference (`C12` → 2). */
function columnIndex(reference: string): number {
  const letters = /^[A-Z]+/u.exec(reference)?.[0] ?? 'A';
  return [...letters].reduce((sum, letter) => sum * 26 + letter.charCodeAt(0) - 64, 0) - 1;
}

/** The rows of the first sheet whose name is in `sheetNames` (case-insensitive), as string cells. */
export function readXlsxSheet(bytes: Uint8Array, sheetNames: readonly string[], options: XlsxOptions = DefaultXlsxOptions): { sheet: string; rows: string[][] } {
  let parts: Record<string, Uint8Array>;
  try {
    parts = unzipSync(bytes, {
      filter: (file) => {
        if (!/^xl\/(workbook\.xml|_rels\/workbook\.xml\.rels|sharedStrings\.xml|worksheets\/[^/]+\.xml)$/u.test(file.name)) return false;
        if (file.originalSize > options.maxPartBytes) throw new ImportError('too-large', `the spreadsheet part ${file.name} unpacks to more than ${options.maxPartBytes} bytes`);
        return true;
      },
    });
  } catch (error) {
    if (error instanceof ImportError) throw error;
    throw new ImportError('malformed', 'the file is not an .xlsx workbook (not a readable zip)');
  }
  const part = (name: string): XmlNode => {
    const content = parts[name];
    if (!content) throw new ImportError('malformed', `the workbook has no ${name}`);
    return xml.parse(Buffer.from(content).toString('utf8')) as XmlNode;
  };
  const sheets = (part('xl/workbook.xml').workbook?.sheets?.sheet ?? []) as XmlNode[];
  const wanted = sheets.find((sheet) => sheetNames.some((name) => name.toLowerCase() === String(sheet['@name']).toLowerCase()));
  if (!wanted) throw new ImportError('malformed', `the workbook has no sheet named ${sheetNames.join(' or ')}`);
  const relations = (part('xl/_rels/workbook.xml.rels').Relationships?.Relationship ?? []) as XmlNode[];
  const target = relations.find((relation) => relation['@Id'] === wanted['@r:id'])?.['@Target'] as string | undefined;
  if (!target) throw new ImportError('malformed', `the workbook does not say where sheet ${wanted['@name']} is`);
  const sheetPath = target.startsWith('/') ? target.slice(1) : `xl/${target}`;
  const shared = parts['xl/sharedStrings.xml'] ? ((part('xl/sharedStrings.xml').sst?.si ?? []) as XmlNode[]).map(sharedString) : [];

  const rows = ((part(sheetPath).worksheet?.sheetData?.row ?? []) as XmlNode[]).slice(0, options.maxRows).map((row) => {
    const cells: string[] = [];
    for (const cell of (row.c ?? []) as XmlNode[]) {
      const type = cell['@t'];
      const value = type === 's' ? (shared[Number(text(cell.v))] ?? '') : type === 'inlineStr' ? sharedString((cell.is ?? {}) as XmlNode) : text(cell.v);
      cells[cell['@r'] ? columnIndex(String(cell['@r'])) : cells.length] = value;
    }
    return Array.from(cells, (value) => value ?? '');
  });
  return { sheet: String(wanted['@name']), rows };
}
