import { describe, expect, it } from 'vitest'
import { devTokenUrl } from './devToken'

describe('devTokenUrl', () => {
  it('sits beside the GraphQL endpoint', () => {
    expect(devTokenUrl('/graphql')).toBe('/dev-token')
    expect(devTokenUrl('http://127.0.0.1:8000/graphql')).toBe('http://127.0.0.1:8000/dev-token')
    expect(devTokenUrl('http://127.0.0.1:8000/graphql/')).toBe('http://127.0.0.1:8000/dev-token')
  })
})
