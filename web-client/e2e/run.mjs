// End-to-end tests in headless Chromium (Debian's), driven by playwright-core.
//
// Builds nothing: expects the server at ../target/debug/chronicle (or
// $CHRONICLE_BIN) and the client built in dist/ (`npm run build`). Starts its
// own server on a free loopback port with a random JWT secret and a temporary
// data directory, and kills it at the end. Screenshots go to e2e/artifacts/.
import assert from 'node:assert/strict'
import { execFileSync, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'

const root = fileURLToPath(new URL('..', import.meta.url))
const bin = process.env.CHRONICLE_BIN ?? path.resolve(root, '../target/debug/chronicle')
const dist = path.resolve(root, 'dist')
const artifacts = path.resolve(root, 'e2e/artifacts')
const browserPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const STEP_TIMEOUT = 20_000
const TOTAL_TIMEOUT = 240_000

for (const [what, file, hint] of [
  ['the server binary', bin, 'run `cargo build -p chronicle-api` at the repo root, or set CHRONICLE_BIN'],
  ['the built client', path.join(dist, 'index.html'), 'run `npm run build`'],
  ['Chromium', browserPath, 'run `apt-get install -y chromium`, or set CHROMIUM_PATH'],
]) {
  if (!existsSync(file)) {
    console.error(`e2e: ${what} is missing at ${file}: ${hint}`)
    process.exit(1)
  }
}
rmSync(artifacts, { recursive: true, force: true })
mkdirSync(artifacts, { recursive: true })

const freePort = () =>
  new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

const secret = randomBytes(24).toString('hex')
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'chronicle-e2e-'))
const port = await freePort()
const base = `http://127.0.0.1:${port}`
const serverLog = createWriteStream(path.join(artifacts, 'server.log'))
let server

async function startServer() {
  server = spawn(bin, ['serve', '--web', dist, '--jwt-secret', secret, '--listen', `127.0.0.1:${port}`, '--data', dataDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  server.stdout.pipe(serverLog, { end: false })
  server.stderr.pipe(serverLog, { end: false })
  const deadline = Date.now() + 30_000
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`the server exited with ${server.exitCode}; see e2e/artifacts/server.log`)
    try {
      if ((await fetch(`${base}/healthz`)).ok) return
    } catch {
      // not up yet
    }
    await sleep(100)
  }
  throw new Error('the server did not answer /healthz within 30 s')
}

async function stopServer() {
  if (!server || server.exitCode !== null) return
  const exited = new Promise((r) => server.once('exit', r))
  server.kill('SIGTERM')
  await Promise.race([exited, sleep(5_000)])
  if (server.exitCode === null && server.signalCode === null) {
    server.kill('SIGKILL')
    await exited
  }
}

const token = (sub, ttl = '1h') =>
  execFileSync(bin, ['token', '--sub', sub, '--jwt-secret', secret, '--ttl', ttl], { encoding: 'utf8' }).trim()

async function gql(tok, query, variables = {}) {
  const res = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${tok}` },
    body: JSON.stringify({ query, variables }),
  })
  const body = await res.json()
  if (body.errors) throw new Error(JSON.stringify(body.errors))
  return body.data
}

let browser
const watchdog = setTimeout(async () => {
  console.error(`e2e: gave up after ${TOTAL_TIMEOUT / 1000} s`)
  await stopServer()
  await browser?.close().catch(() => {})
  process.exit(2)
}, TOTAL_TIMEOUT)

const results = []
/** Open pages by user, screenshotted when a test fails. */
const pages = {}
async function test(name, fn) {
  const started = Date.now()
  try {
    await fn()
    results.push({ name, ok: true })
    console.log(`  ✓ ${name} (${Date.now() - started} ms)`)
  } catch (e) {
    results.push({ name, ok: false })
    const n = results.length
    for (const [who, page] of Object.entries(pages)) {
      await page.screenshot({ path: path.join(artifacts, `failed-${n}-${who}.png`), fullPage: true }).catch(() => {})
    }
    console.log(`  ✗ ${name}\n    ${String(e?.stack ?? e).split('\n').slice(0, 6).join('\n    ')}`)
  }
}

const shot = (page, name) => page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true })

/** Opens the app as `user` in its own browser context (its own localStorage). */
async function openAs(user, tok, hash = '#/albums') {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
  const page = await context.newPage()
  page.setDefaultTimeout(STEP_TIMEOUT)
  pages[user] = page
  const errors = []
  page.on('pageerror', (e) => errors.push(e))
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text())
  })
  await page.goto(`${base}/?token=${encodeURIComponent(tok)}${hash}`)
  await page.locator(`.user[data-user="${user}"]`).waitFor()
  // A mark that a reload would wipe: proves later updates arrived live.
  await page.evaluate(() => {
    window.__noReload = true
  })
  return { page, errors }
}

const noReload = async (page) => assert.equal(await page.evaluate(() => window.__noReload), true, 'the page was reloaded')
const live = (page) => page.locator('.connection[data-status="connected"]').waitFor()

let failed = false
try {
  const started = Date.now()
  await startServer()
  const aliceToken = token('alice')
  const bobToken = token('bob')
  browser = await chromium.launch({
    executablePath: browserPath,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-quic',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
  console.log(`e2e: server at ${base}, Chromium ${browser.version()}`)

  let alice, bob
  const names = { artist: 'Miles Davis', other: 'John Coltrane', album: 'Kind of Blue' }
  let albumId

  await test('sign in with ?token= for alice and bob', async () => {
    alice = await openAs('alice', aliceToken)
    bob = await openAs('bob', bobToken)
    await Promise.all([live(alice.page), live(bob.page)])
    // The token from the address is kept and removed from the address.
    assert.equal(await alice.page.evaluate(() => localStorage.getItem('chronicle.token')), aliceToken)
    assert.ok(!alice.page.url().includes('token='))
    await shot(alice.page, '01-alice-albums-empty')
  })

  await test('an artist created by alice appears for bob without reload', async () => {
    await Promise.all([alice.page.goto(`${base}/#/artists`), bob.page.goto(`${base}/#/artists`)])
    const form = alice.page.getByRole('form', { name: 'New artist' })
    for (const name of [names.artist, names.other]) {
      await form.getByPlaceholder('Artist name').fill(name)
      await form.getByRole('button', { name: 'Add artist' }).click()
      await bob.page.getByRole('link', { name }).waitFor()
    }
    await noReload(bob.page)
    await shot(bob.page, '02-bob-sees-artists')
  })

  await test('an album created by alice appears for bob without reload', async () => {
    await Promise.all([alice.page.goto(`${base}/#/albums`), bob.page.goto(`${base}/#/albums`)])
    await bob.page.getByText('No albums yet.').waitFor()
    const form = alice.page.getByRole('form', { name: 'New album' })
    await form.getByPlaceholder('Album name').fill(names.album)
    await form.getByLabel('Year').fill('1959')
    await form.getByLabel('Artist').selectOption({ label: names.artist })
    await form.getByRole('button', { name: 'Add album' }).click()
    const link = bob.page.getByRole('link', { name: names.album })
    await link.waitFor()
    await noReload(bob.page)
    albumId = await bob.page.getByRole('list', { name: 'Albums' }).locator('[data-id]').first().getAttribute('data-id')
    assert.ok(albumId)
    await shot(bob.page, '03-bob-sees-album')
  })

  await test('alice and bob type into the description at once; both edits survive in both pages', async () => {
    await Promise.all([alice.page.goto(`${base}/#/albums/${albumId}`), bob.page.goto(`${base}/#/albums/${albumId}`)])
    const areas = [alice.page, bob.page].map((p) => p.locator('#album-description'))
    for (const area of areas) await area.and(area.page().locator(':not([readonly])')).waitFor()
    // A shared start, then alice types at the beginning while bob types at the end.
    await areas[0].click()
    await alice.page.keyboard.type('The middle.', { delay: 20 })
    await bob.page.waitForFunction(() => document.querySelector('#album-description')?.value === 'The middle.')
    await areas[0].press('Control+Home')
    await areas[1].click()
    await areas[1].press('Control+End')
    const aliceText = 'Alice wrote this first. '
    const bobText = ' Bob added this last.'
    await Promise.all([
      alice.page.keyboard.type(aliceText, { delay: 35 }),
      bob.page.keyboard.type(bobText, { delay: 35 }),
    ])
    const expected = `${aliceText}The middle.${bobText}`
    for (const p of [alice.page, bob.page]) {
      await p
        .waitForFunction((text) => document.querySelector('#album-description')?.value === text, expected)
        .catch(async (e) => {
          const values = await Promise.all(areas.map((a) => a.inputValue()))
          throw new Error(`${e.message}\n    wanted ${JSON.stringify(expected)}\n    alice ${JSON.stringify(values[0])}\n    bob   ${JSON.stringify(values[1])}`)
        })
      await p.locator('.sync[data-sync="idle"]').waitFor()
    }
    const stored = await gql(aliceToken, 'query($id: ID!) { album(id: $id) { description } }', { id: albumId })
    assert.equal(stored.album.description, expected)
    await shot(alice.page, '04-alice-description')
    await shot(bob.page, '04-bob-description')
  })

  await test('the caret stays put when the other user edits before it', async () => {
    const area = alice.page.locator('#album-description')
    await area.click()
    await area.press('Control+End')
    const before = await area.evaluate((el) => el.selectionStart)
    await gql(bobToken, 'mutation($id: ID!) { updateAlbum(id: $id, input: { description: { splices: [{ index: 0, insert: ">> " }] } }) { id } }', {
      id: albumId,
    })
    await alice.page.waitForFunction(() => document.querySelector('#album-description')?.value.startsWith('>> '))
    assert.equal(await area.evaluate((el) => el.selectionStart), before + 3)
    await alice.page.keyboard.type('!')
    await alice.page.waitForFunction(() => document.querySelector('#album-description')?.value.endsWith('last.!'))
  })

  await test('the history panel shows both users, and any version can be opened', async () => {
    for (const p of [alice.page, bob.page]) {
      const history = p.getByRole('complementary', { name: 'History' })
      await history.locator('.event[data-user="alice"]').first().waitFor()
      await history.locator('.event[data-user="bob"]').first().waitFor()
    }
    const history = bob.page.getByRole('complementary', { name: 'History' })
    const created = history.locator('.event').last()
    await created.getByRole('button', { name: 'View as of this change' }).click()
    await created.locator('.snapshot').getByText(names.album).waitFor()
    await shot(bob.page, '05-bob-history')
  })

  await test('a track added by bob appears for alice live, and goes when she deletes it', async () => {
    const form = bob.page.getByRole('form', { name: 'New track' })
    await form.getByRole('textbox').fill('So What')
    await form.getByRole('button', { name: 'Add track' }).click()
    const aliceTracks = alice.page.getByRole('list', { name: 'Tracks' })
    await aliceTracks.getByText('So What').waitFor()
    await alice.page.getByRole('button', { name: 'Delete So What' }).click()
    await bob.page.getByText('No tracks yet.').waitFor()
    await noReload(alice.page)
    await noReload(bob.page)
  })

  /** Shows a page of the app by its address's hash, without reloading (as goto to the same address might). */
  const show = (page, hash) => page.evaluate((h) => (window.location.hash = h), hash)
  /** The edit form of the entity a page shows, opened. */
  async function openEditForm(page, noun) {
    await page.locator('.facts').getByRole('button', { name: 'Edit' }).click()
    const form = page.getByRole('form', { name: `Edit ${noun}` })
    await form.waitFor()
    return form
  }
  const albumState = async () =>
    (
      await gql(
        aliceToken,
        'query($id: ID!) { album(id: $id) { name year heads history(first: 500) { nodes { userId } } } }',
        { id: albumId },
      )
    ).album

  await test("a stale album form is refused, shows alice's change, and saves bob's only when he reapplies", async () => {
    await Promise.all([show(alice.page, `#/albums/${albumId}`), show(bob.page, `#/albums/${albumId}`)])
    const [aliceForm, bobForm] = [await openEditForm(alice.page, 'album'), await openEditForm(bob.page, 'album')]
    const aliceName = `${names.album} (Legacy)`
    const bobName = `${names.album} (Remaster)`
    await aliceForm.getByLabel('Name').fill(aliceName)
    await aliceForm.getByRole('button', { name: 'Save' }).click()
    await aliceForm.waitFor({ state: 'detached' })
    const saved = await albumState()
    assert.equal(saved.name, aliceName)
    // Bob's page shows alice's change live, but his form keeps the copy he opened.
    await bob.page.getByRole('heading', { name: aliceName }).waitFor()
    assert.equal(await bobForm.getByLabel('Name').inputValue(), names.album)

    await bobForm.getByLabel('Name').fill(bobName)
    await bobForm.getByRole('button', { name: 'Save' }).click()
    const conflict = bobForm.locator('.conflict')
    await conflict.locator('[data-field="name"].changed').getByText(aliceName).waitFor()
    await conflict.locator('[data-user="alice"]').waitFor()
    assert.equal(await bobForm.getByLabel('Name').inputValue(), bobName, "bob's value is kept")
    assert.equal(await bobForm.getByRole('button', { name: 'Save' }).isDisabled(), true)
    await shot(bob.page, '05b-bob-conflict')
    // Refused means refused: nothing of bob's was written.
    assert.deepEqual(await albumState(), saved)

    await conflict.getByRole('button', { name: 'Reapply my changes' }).click()
    await bobForm.waitFor({ state: 'detached' })
    const after = await albumState()
    assert.equal(after.name, bobName)
    assert.equal(after.year, saved.year)
    const users = (state) => state.history.nodes.map((e) => e.userId)
    assert.deepEqual(users(after), [...users(saved), 'bob'])
    await alice.page.getByRole('heading', { name: bobName }).waitFor()
    await noReload(alice.page)
    await noReload(bob.page)
    // Later tests find the album by name.
    names.album = bobName
  })

  await test('discarding after a conflict writes nothing and shows the other change', async () => {
    const artists = await gql(aliceToken, '{ artists { nodes { id name } } }')
    const artistId = artists.artists.nodes.find((a) => a.name === names.other).id
    const artistState = async () =>
      (await gql(aliceToken, 'query($id: ID!) { artist(id: $id) { name country heads } }', { id: artistId })).artist
    await Promise.all([show(alice.page, `#/artists/${artistId}`), show(bob.page, `#/artists/${artistId}`)])
    const [aliceForm, bobForm] = [await openEditForm(alice.page, 'artist'), await openEditForm(bob.page, 'artist')]
    await aliceForm.getByLabel('Country').fill('US')
    await aliceForm.getByRole('button', { name: 'Save' }).click()
    await aliceForm.waitFor({ state: 'detached' })
    const saved = await artistState()
    assert.equal(saved.country, 'US')
    await bobForm.getByLabel('Country').fill('GB')
    await bobForm.getByLabel('Name').fill('Trane')
    await bobForm.getByRole('button', { name: 'Save' }).click()
    const conflict = bobForm.locator('.conflict')
    await conflict.locator('[data-field="country"].changed').getByText('US').waitFor()
    await conflict.getByRole('button', { name: 'Discard mine' }).click()
    await bobForm.waitFor({ state: 'detached' })
    await bob.page.locator('.facts [data-field="country"]').getByText('US').waitFor()
    await bob.page.getByRole('heading', { name: names.other }).waitFor()
    assert.deepEqual(await artistState(), saved)
  })

  await test('an album leaves and enters an artist page live (LEFT / ENTERED)', async () => {
    const artists = await gql(aliceToken, '{ artists { nodes { id name } } }')
    const id = (name) => artists.artists.nodes.find((a) => a.name === name).id
    await bob.page.goto(`${base}/#/artists/${id(names.artist)}`)
    const row = bob.page.getByRole('list', { name: 'Albums' }).getByRole('link', { name: names.album })
    await row.waitFor()
    const move = (artistId) =>
      gql(aliceToken, 'mutation($id: ID!, $a: ID!) { updateAlbum(id: $id, input: { artistId: $a }) { id } }', {
        id: albumId,
        a: artistId,
      })
    await move(id(names.other))
    await row.waitFor({ state: 'detached' })
    await move(id(names.artist))
    await row.waitFor()
    await noReload(bob.page)
  })

  await test('the audit view lists what a user changed', async () => {
    await alice.page.goto(`${base}/#/audit`)
    await alice.page.getByRole('heading', { name: 'Audit: alice' }).waitFor()
    await alice.page.locator('.event[data-user="alice"]').first().waitFor()
    await alice.page.goto(`${base}/#/audit/bob`)
    await alice.page.locator('.event[data-user="bob"]').first().waitFor()
    assert.equal(await alice.page.locator('.event[data-user="alice"]').count(), 0)
    await shot(alice.page, '06-audit-bob')
  })

  await test('after the server goes away and comes back, live updates resume', async () => {
    await Promise.all([alice.page.goto(`${base}/#/albums`), bob.page.goto(`${base}/#/albums`)])
    await Promise.all([live(alice.page), live(bob.page)])
    await stopServer()
    await bob.page.locator('.connection[data-status="reconnecting"]').waitFor()
    await shot(bob.page, '07-bob-reconnecting')
    await startServer()
    await Promise.all([live(alice.page), live(bob.page)])
    const form = alice.page.getByRole('form', { name: 'New album' })
    await form.getByPlaceholder('Album name').fill('After the Outage')
    await form.getByLabel('Artist').selectOption({ label: names.other })
    await form.getByRole('button', { name: 'Add album' }).click()
    await bob.page.getByRole('link', { name: 'After the Outage' }).waitFor()
    await noReload(bob.page)
  })

  await test('an expired token sends the user back to sign in, saying so', async () => {
    const stale = token('carol', '1s')
    await sleep(1_500)
    const context = await browser.newContext()
    const page = await context.newPage()
    page.setDefaultTimeout(STEP_TIMEOUT)
    await page.goto(`${base}/?token=${encodeURIComponent(stale)}`)
    await page.getByRole('form', { name: 'Sign in' }).waitFor()
    await page.getByText('Your token has expired').waitFor()
    await shot(page, '08-expired-token')
    await context.close()
  })

  // GraphiQL, built into dist/ from npm and served for `GET /graphql`.
  let graphiql
  /** The text of a GraphiQL editor (Monaco), whitespace removed: it wraps long lines. */
  const editorText = (page, pane) =>
    page.locator(`${pane} .view-lines`).first().evaluate((el) => el.textContent.replace(/\s+/g, ''))
  /** Waits until GraphiQL's response pane shows all of `fragments` (compared without whitespace). */
  const waitForResponse = (page, fragments, timeout = STEP_TIMEOUT) =>
    page
      .waitForFunction(
        (all) => {
          const shown = document.querySelector('.graphiql-response .view-lines')?.textContent.replace(/\s+/g, '') ?? ''
          return all.every((f) => shown.includes(f))
        },
        [fragments].flat(),
        { timeout },
      )
      .catch(async (e) => {
        throw new Error(`${e.message}\n    wanted ${[fragments].flat().join(' and ')}\n    shown  ${await editorText(page, '.graphiql-response')}`)
      })
  /** Replaces the operation in GraphiQL's editor by typing it, then runs it. */
  async function typeAndRun(page, operation) {
    await page.locator('.graphiql-query-editor .monaco-editor').first().click()
    await page.keyboard.press('Control+A')
    await page.keyboard.press('Delete')
    // Monaco closes brackets as they open and types over them as they close.
    await page.keyboard.type(operation)
    assert.equal(await editorText(page, '.graphiql-query-editor'), operation.replace(/\s+/g, ''))
    await page.locator('.graphiql-execute-button[aria-label^="Execute"]').click()
  }

  await test('GET /graphql serves the bundled GraphiQL page, which loads nothing from elsewhere', async () => {
    const html = await (await fetch(`${base}/graphql`, { headers: { accept: 'text/html' } })).text()
    assert.match(html, /<script type="module"[^>]* src="\/assets\//, 'GET /graphql is not dist/graphiql.html')
    assert.doesNotMatch(html, /unpkg|jsdelivr|esm\.sh/)
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } })
    const offsite = []
    await context.route('**/*', (route) => {
      const url = route.request().url()
      if (url.startsWith(`${base}/`)) return route.continue()
      offsite.push(url)
      return route.abort()
    })
    const page = await context.newPage()
    page.setDefaultTimeout(STEP_TIMEOUT)
    pages.graphiql = page
    const errors = []
    page.on('pageerror', (e) => errors.push(e))
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text())
    })
    const frames = []
    page.on('websocket', (ws) => ws.on('framesent', (f) => frames.push(JSON.parse(String(f.payload)))))
    graphiql = { page, errors, offsite, frames }
    await page.goto(`${base}/graphql?token=${encodeURIComponent(aliceToken)}`)
    await page.locator('.chronicle-graphiql-user[data-user="alice"]').waitFor()
    // The token is kept for the app, and taken out of the address.
    assert.ok(!page.url().includes('token='))
    assert.equal(await page.evaluate(() => localStorage.getItem('chronicle.token')), aliceToken)
  })

  await test('GraphiQL loads the schema and shows it in the documentation explorer', async () => {
    const { page } = graphiql
    await page.getByRole('button', { name: 'Show Documentation Explorer' }).click()
    const docs = page.locator('.graphiql-doc-explorer')
    // Root Types: `query: Query`, …, `subscription: Subscription`.
    for (const kind of ['query', 'mutation', 'subscription']) {
      await docs.locator('.graphiql-doc-explorer-root-type', { hasText: new RegExp(`^${kind}$`) }).waitFor()
    }
    await docs.locator('a.graphiql-doc-explorer-type-name', { hasText: /^Query$/ }).first().click()
    await docs.locator('.graphiql-doc-explorer-title', { hasText: /^Query$/ }).waitFor()
    await docs.locator('.graphiql-doc-explorer-field-name', { hasText: /^albums$/ }).waitFor()
    await shot(page, '09-graphiql-docs')
  })

  await test('GraphiQL runs a query over HTTP with the token', async () => {
    const { page } = graphiql
    await typeAndRun(page, '{ me { userId } }')
    await waitForResponse(page, '{"data":{"me":{"userId":"alice"}}}')
    await shot(page, '10-graphiql-query')
  })

  await test("GraphiQL runs a subscription over the WebSocket and shows a new album's change", async () => {
    const { page, frames } = graphiql
    await typeAndRun(page, 'subscription { albumsChanged { kind album { id name } } }')
    await page.locator('.graphiql-execute-button[aria-label^="Stop"]').waitFor()
    const init = () => frames.find((f) => f.type === 'connection_init')
    const subscribed = () => frames.some((f) => f.type === 'subscribe' && f.payload.query.includes('albumsChanged'))
    const deadline = Date.now() + STEP_TIMEOUT
    while (!subscribed() && Date.now() < deadline) await sleep(50)
    assert.ok(subscribed(), 'GraphiQL sent no subscribe message over a WebSocket')
    assert.deepEqual(init()?.payload, { authorization: `Bearer ${aliceToken}` })
    const { createArtist } = await gql(aliceToken, 'mutation { createArtist(input: { name: "Thelonious Monk" }) { id } }')
    // The server registers the subscription a moment after the subscribe
    // message: an album created before that is not seen, so try again.
    for (let attempt = 1; ; attempt++) {
      const name = `Brilliant-Corners-${attempt}`
      const { createAlbum } = await gql(aliceToken, 'mutation($input: AlbumCreateInput!) { createAlbum(input: $input) { id } }', {
        input: { name, year: 1957, artistId: createArtist.id },
      })
      const expected = [`"albumsChanged":`, `"kind":"CREATED"`, `{"id":"${createAlbum.id}","name":"${name}"}`]
      const last = attempt === 3
      if (await waitForResponse(page, expected, last ? STEP_TIMEOUT : 3_000).then(() => true, (e) => (last ? Promise.reject(e) : false))) break
    }
    await shot(page, '11-graphiql-subscription')
    await page.locator('.graphiql-execute-button[aria-label^="Stop"]').click()
    await page.locator('.graphiql-execute-button[aria-label^="Execute"]').waitFor()
  })

  await test('GraphiQL made no request elsewhere and no errors', async () => {
    assert.deepEqual(graphiql.offsite, [])
    assert.deepEqual(graphiql.errors.map(String), [])
    await graphiql.page.context().close()
    delete pages.graphiql
  })

  await test('GraphiQL without a token still opens, saying how to sign in', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    page.setDefaultTimeout(STEP_TIMEOUT)
    await page.goto(`${base}/graphql`)
    const note = page.getByRole('note')
    await note.getByText('Sign in as dev').waitFor()
    await note.getByRole('link', { name: 'the app' }).waitFor()
    await page.locator('.graphiql-container').waitFor()
    await page.locator('.chronicle-graphiql-user[data-user=""]').waitFor()
    await shot(page, '12-graphiql-signed-out')
    await context.close()
  })

  await test('no errors in the pages', async () => {
    const errors = [...alice.errors, ...bob.errors].map(String)
    // The outage above makes failed requests and socket errors; those are expected.
    const unexpected = errors.filter((e) => !/WebSocket|Failed to load resource|ERR_CONNECTION_REFUSED/.test(e))
    assert.deepEqual(unexpected, [])
  })

  console.log(`e2e: ${((Date.now() - started) / 1000).toFixed(1)} s`)
} catch (e) {
  failed = true
  console.error('e2e: setup failed:', e)
} finally {
  clearTimeout(watchdog)
  await browser?.close().catch(() => {})
  await stopServer()
  serverLog.end()
  rmSync(dataDir, { recursive: true, force: true })
}

const passed = results.filter((r) => r.ok).length
const failures = results.length - passed
console.log(`${passed} passed, ${failures} failed`)
process.exit(failed || failures > 0 ? 1 : 0)
