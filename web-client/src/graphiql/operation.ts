import { type DocumentNode, Kind, parse } from 'graphql'

/**
 * The operation GraphiQL is about to run, read from the text it sends.
 *
 * GraphiQL runs the editor's current text but takes the document and the
 * operation name from its last parse, which trails typing by a moment: run
 * right after an edit and it sends the previous text's operation name (the
 * server then answers "Unknown operation") and routes by the previous
 * document (so a new subscription goes over HTTP instead of the WebSocket).
 * Null when the text does not parse (the server reports that).
 */
export function currentOperation(
  query: string,
  operationName: string | null | undefined,
): { documentAST: DocumentNode; operationName: string | undefined } | null {
  let documentAST: DocumentNode
  try {
    documentAST = parse(query)
  } catch {
    return null
  }
  const names = documentAST.definitions.flatMap((d) => (d.kind === Kind.OPERATION_DEFINITION ? [d.name?.value] : []))
  if (operationName && names.includes(operationName)) return { documentAST, operationName }
  // One operation: that one, whatever name was remembered. Several: the name
  // picks one, and a stale name is the server's to refuse.
  return { documentAST, operationName: names.length === 1 ? names[0] : (operationName ?? undefined) }
}
