// ESLint rule `fairfal/layering`: resolves every import of a file under src/ to its layer
// and reports imports that point up or sideways in the layering table (tools/eslint/layers.mjs).
import path from 'node:path';
import { LAYER_IMPORTS, LAYER_PACKAGES, PACKAGE_HOMES } from './layers.mjs';

const SRC_LAYER = /(?:^|\/)src\/([^/]+)\//;

function layerOf(file) {
  const m = SRC_LAYER.exec(file.split(path.sep).join('/'));
  return m && m[1] in LAYER_IMPORTS ? m[1] : null;
}

function packageName(spec) {
  if (spec.startsWith('node:')) return spec;
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

function isNodeBuiltin(spec) {
  return spec.startsWith('node:');
}

export const layeringRule = {
  meta: {
    type: 'problem',
    docs: { description: 'Imports must follow the layering table of docs/ARCHITECTURE.md' },
    schema: [],
    messages: {
      upward: "Layer '{{from}}' may not import layer '{{to}}' ({{spec}}); allowed: {{allowed}}.",
      pkg: "Layer '{{from}}' may not import package '{{spec}}'; allowed packages: {{allowed}}.",
      home: "Package '{{spec}}' may only be imported under {{homes}}.",
    },
  },
  create(context) {
    const file = context.filename ?? context.getFilename();
    const from = layerOf(file);
    if (!from) return {};
    const normFile = file.split(path.sep).join('/');
    const isTestFile = /\.test\.tsx?$/.test(normFile);

    function check(node, spec) {
      if (typeof spec !== 'string') return;
      if (spec.startsWith('.') || spec.startsWith('/')) {
        const target = path.resolve(path.dirname(file), spec);
        const to = layerOf(target + (target.endsWith('/') ? '' : '/x'));
        const targetLayer = layerOf(target) ?? to;
        if (targetLayer && !LAYER_IMPORTS[from].includes(targetLayer)) {
          context.report({
            node,
            messageId: 'upward',
            data: { from, to: targetLayer, spec, allowed: LAYER_IMPORTS[from].join(', ') },
          });
        }
        return;
      }
      const pkg = packageName(spec);
      const homes = PACKAGE_HOMES[pkg];
      if (homes && !homes.some((h) => normFile.includes(h))) {
        context.report({ node, messageId: 'home', data: { spec, homes: homes.join(', ') } });
        return;
      }
      const allowed = LAYER_PACKAGES[from];
      // Tests are not shipped: they may read fixtures with node:fs, use vitest, etc.
      if (allowed === null || isTestFile) return;
      const ok = !isNodeBuiltin(spec) && (allowed.includes(spec) || allowed.includes(pkg));
      if (!ok) {
        context.report({
          node,
          messageId: 'pkg',
          data: { from, spec, allowed: allowed.length ? allowed.join(', ') : 'none' },
        });
      }
    }

    return {
      // Type-only imports follow the table too: a type from an upper layer is coupling.
      ImportDeclaration(node) {
        check(node.source, node.source.value);
      },
      ExportNamedDeclaration(node) {
        if (node.source) check(node.source, node.source.value);
      },
      ExportAllDeclaration(node) {
        check(node.source, node.source.value);
      },
      ImportExpression(node) {
        if (node.source.type === 'Literal') check(node.source, node.source.value);
      },
      CallExpression(node) {
        if (node.callee.type === 'Identifier' && node.callee.name === 'require') {
          const arg = node.arguments[0];
          if (arg && arg.type === 'Literal') check(arg, arg.value);
        }
      },
    };
  },
};

export default { rules: { layering: layeringRule } };
