import type { CodegenConfig } from '@graphql-codegen/cli'

// The schema is the server's SDL (`chronicle schema`), committed at the repo root.
const schema = process.env.CHRONICLE_SCHEMA ?? '../schema.graphql'

const presetConfig = { fragmentMasking: false } as const
const config = {
  useTypeImports: true,
  enumsAsTypes: true,
  strictScalars: true,
  scalars: { DateTime: 'string', JSON: 'unknown', Int64: 'string' },
}

const codegen: CodegenConfig = {
  schema,
  ignoreNoDocuments: false,
  generates: {
    // The reusable bindings carry their own typed operations.
    'src/chronicle/gql/': {
      documents: ['src/chronicle/**/*.{ts,tsx}', '!src/chronicle/gql/**'],
      preset: 'client',
      presetConfig,
      config,
    },
    // The app's operations, kept beside the components that use them.
    'src/gql/': {
      documents: ['src/**/*.{ts,tsx}', '!src/chronicle/**', '!src/gql/**'],
      preset: 'client',
      presetConfig,
      config,
    },
  },
}

export default codegen
