import { createContext, useContext } from 'react'
import type { ChronicleClient } from './client'

export const ChronicleContext = createContext<ChronicleClient | null>(null)

/** The client of the nearest ChronicleProvider. */
export function useChronicle(): ChronicleClient {
  const client = useContext(ChronicleContext)
  if (!client) throw new Error('useChronicle must be used inside a <ChronicleProvider>')
  return client
}
