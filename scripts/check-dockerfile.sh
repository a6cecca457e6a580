#!/usr/bin/env bash
# Checks the Dockerfile without a Docker engine (none runs on these machines):
# for each build stage, copies exactly what its COPY lines name into an empty
# folder laid out as the stage's file system, then checks that what the
# stage's RUN needs is there:
#   - the `build` stage: `cargo metadata --locked` succeeds in its WORKDIR
#     (every workspace member and the lock file were copied);
#   - the `web` stage: the web client's codegen input (`../schema.graphql`
#     from its WORKDIR, see web-client/codegen.ts) and package files exist.
set -euo pipefail
cd "$(dirname "$0")/.."

root="$(mktemp -d)"
trap 'rm -rf "$root"' EXIT

stage=""
workdir="/"
failures=0
while IFS= read -r line; do
    read -r -a words <<<"$line"
    [ "${#words[@]}" -eq 0 ] && continue
    case "${words[0]}" in
    FROM)
        stage="${words[3]:-}"
        workdir="/"
        ;;
    WORKDIR)
        workdir="${words[1]}"
        mkdir -p "$root/$stage$workdir"
        ;;
    COPY)
        # Copies from another stage are that stage's output, not the context.
        [[ "${words[1]}" == --from=* ]] && continue
        n=${#words[@]}
        dest="${words[$((n - 1))]}"
        [[ "$dest" != /* ]] && dest="$workdir/$dest"
        target="$root/$stage$dest"
        for ((i = 1; i < n - 1; i++)); do
            src="${words[$i]}"
            # `file*` makes a missing file optional, as in Docker.
            matches=$(compgen -G "$src" || true)
            if [ -z "$matches" ]; then
                [[ "$src" == *'*'* ]] && continue
                echo "Dockerfile, stage $stage: COPY names $src, which is not in the build context" >&2
                failures=$((failures + 1))
                continue
            fi
            for m in $matches; do
                if [[ "$dest" == */ ]]; then
                    mkdir -p "$target"
                    if [ -d "$m" ]; then cp -r "$m/." "$target"; else cp "$m" "$target"; fi
                else
                    mkdir -p "$(dirname "$target")"
                    cp -r "$m" "$target"
                fi
            done
        done
        ;;
    esac
done <Dockerfile

if [ -d "$root/build/src" ]; then
    if ! (cd "$root/build/src" && cargo metadata --locked --format-version 1 >/dev/null); then
        echo "Dockerfile, stage build: \`cargo metadata --locked\` fails on what the stage copies" >&2
        failures=$((failures + 1))
    fi
else
    echo "Dockerfile: no build stage with WORKDIR /src" >&2
    failures=$((failures + 1))
fi
for needed in web/web/package.json web/web/package-lock.json web/web/codegen.ts web/schema.graphql; do
    if [ ! -e "$root/$needed" ]; then
        echo "Dockerfile, stage web: /${needed#web/} is missing (the web client's build needs it)" >&2
        failures=$((failures + 1))
    fi
done

if [ "$failures" -gt 0 ]; then
    exit 1
fi
echo "Dockerfile: every stage's COPY lines give its build what it needs"
