#!/usr/bin/env node
// Compile contracts/src/*.sol with the npm solc pinned in package.json and write one JSON
// artifact per deployable contract to devtools/artifacts (or --out DIR).
//
// The output must be byte-identical from run to run and machine to machine, because
// devtools/tests/test_contracts.py rebuilds into a temp dir and compares with the committed files.
// Hence: no CBOR metadata in the bytecode, sorted keys, sorted inputs, no timestamps or paths.
//
// Usage: node contracts/build.mjs [--out DIR]

import { createHash } from 'node:crypto'
import * as fs from 'node:fs'
import { createRequire } from 'node:module'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'

const EXPECTED_COMPILER = '0.8.37'
const here = path.dirname(fileURLToPath(import.meta.url))
const repoRoot = path.resolve(here, '..')
const srcDir = path.join(here, 'src')

function fail(message) {
  process.stderr.write(`contracts/build.mjs: ${message}\n`)
  process.exit(1)
}

function parseArgs(argv) {
  let out = path.join(repoRoot, 'devtools', 'artifacts')
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--out' && i + 1 < argv.length) {
      out = path.resolve(argv[++i])
    } else if (argv[i].startsWith('--out=')) {
      out = path.resolve(argv[i].slice('--out='.length))
    } else {
      fail(`unknown argument ${JSON.stringify(argv[i])}; usage: node contracts/build.mjs [--out DIR]`)
    }
  }
  return { out }
}

function loadSolc() {
  // solc is CommonJS; resolve it from the repository root so a global install never wins.
  const require = createRequire(path.join(repoRoot, 'package.json'))
  let solc
  try {
    solc = require('solc')
  } catch (err) {
    fail(`cannot load the npm package "solc" (${err.message}); run \`npm ci\` in ${repoRoot}`)
  }
  // solc.version() looks like "0.8.37+commit.xxxx.Emscripten.clang".
  const version = solc.version().split('+')[0]
  if (version !== EXPECTED_COMPILER) {
    fail(`expected solc ${EXPECTED_COMPILER}, found ${solc.version()}; run \`npm ci\``)
  }
  return solc
}

// Recursively sort object keys so JSON.stringify is canonical; array order is meaningful.
function sortKeys(value) {
  if (Array.isArray(value)) return value.map(sortKeys)
  if (value !== null && typeof value === 'object') {
    const sorted = {}
    for (const key of Object.keys(value).sort()) sorted[key] = sortKeys(value[key])
    return sorted
  }
  return value
}

function main() {
  const { out } = parseArgs(process.argv.slice(2))
  const solc = loadSolc()

  let files
  try {
    files = fs.readdirSync(srcDir).filter((f) => f.endsWith('.sol')).sort()
  } catch (err) {
    fail(`cannot read ${srcDir}: ${err.message}`)
  }
  if (files.length === 0) fail(`no .sol files in ${srcDir}`)

  // Source unit names are "src/<file>" so relative imports between the files resolve
  // without an import callback, and no absolute path leaks into the output.
  const sources = {}
  const shaByUnit = {}
  for (const file of files) {
    const bytes = fs.readFileSync(path.join(srcDir, file))
    sources[`src/${file}`] = { content: bytes.toString('utf8') }
    shaByUnit[`src/${file}`] = createHash('sha256').update(bytes).digest('hex')
  }

  const input = {
    language: 'Solidity',
    sources,
    settings: {
      optimizer: { enabled: true, runs: 200 },
      evmVersion: 'cancun',
      metadata: { bytecodeHash: 'none', appendCBOR: false },
      outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
    },
  }

  const output = JSON.parse(solc.compile(JSON.stringify(input)))
  const problems = output.errors ?? []
  const errors = problems.filter((e) => e.severity === 'error')
  for (const problem of problems) {
    process.stderr.write(`${problem.formattedMessage ?? problem.message}\n`)
  }
  if (errors.length > 0) fail(`compilation failed with ${errors.length} error(s)`)

  const artifacts = new Map()
  for (const unit of Object.keys(output.contracts ?? {}).sort()) {
    for (const [contractName, compiled] of Object.entries(output.contracts[unit])) {
      const object = compiled.evm?.bytecode?.object ?? ''
      // Interfaces and abstract contracts have no creation code: nothing to deploy.
      if (object === '') continue
      if (artifacts.has(contractName)) {
        fail(`contract name ${contractName} is defined twice (${artifacts.get(contractName).unit} and ${unit})`)
      }
      if (object.includes('__$')) fail(`${contractName} needs library linking, which build.mjs does not do`)
      artifacts.set(contractName, {
        unit,
        artifact: {
          abi: compiled.abi,
          bytecode: `0x${object}`,
          compiler: EXPECTED_COMPILER,
          contractName,
          sourceSha256: shaByUnit[unit],
        },
      })
    }
  }
  if (artifacts.size === 0) fail('the sources define no deployable contract')

  fs.mkdirSync(out, { recursive: true })
  // Remove artifacts of contracts that no longer exist, but only files this script wrote.
  for (const file of fs.readdirSync(out).filter((f) => f.endsWith('.json'))) {
    if (artifacts.has(file.slice(0, -'.json'.length))) continue
    try {
      const old = JSON.parse(fs.readFileSync(path.join(out, file), 'utf8'))
      if (old && typeof old === 'object' && 'sourceSha256' in old && 'contractName' in old) {
        fs.unlinkSync(path.join(out, file))
        process.stderr.write(`removed stale artifact ${path.join(out, file)}\n`)
      }
    } catch {
      // Not one of ours: leave it alone.
    }
  }
  for (const [contractName, { artifact }] of [...artifacts].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const target = path.join(out, `${contractName}.json`)
    fs.writeFileSync(target, `${JSON.stringify(sortKeys(artifact), null, 2)}\n`)
    process.stdout.write(`${path.relative(process.cwd(), target) || target}\n`)
  }
}

main()
