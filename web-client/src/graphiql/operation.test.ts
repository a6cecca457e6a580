import { describe, expect, it } from 'vitest'
import { currentOperation } from './operation'

describe('currentOperation', () => {
  it('keeps a name the text has', () => {
    expect(currentOperation('query A { me { userId } } query B { me { userId } }', 'B')?.operationName).toBe('B')
  })

  it("drops a stale name when the text has one operation, taking that one's", () => {
    expect(currentOperation('{ me { userId } }', 'Me')?.operationName).toBeUndefined()
    expect(currentOperation('subscription Live { albumsChanged { kind } }', 'Me')?.operationName).toBe('Live')
  })

  it('gives the document of the text sent', () => {
    const op = currentOperation('subscription { albumsChanged { kind } }', null)
    const first = op?.documentAST.definitions[0]
    expect(first?.kind === 'OperationDefinition' && first.operation).toBe('subscription')
  })

  it('leaves a stale name among several operations, and text that does not parse, to the server', () => {
    expect(currentOperation('query A { a } query B { b }', 'Me')?.operationName).toBe('Me')
    expect(currentOperation('{ me {', 'Me')).toBeNull()
  })
})
