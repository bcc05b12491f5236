# plugtree with Nix: `nix develop` for a shell with everything the build and the
# tests need, `nix build` (or `nix run . -- --help`) for the `plugtree` command.
#
# The Rust toolchain is the one rust-toolchain.toml pins (1.99.1, clippy,
# rustfmt, the wasm32-unknown-unknown and wasm32-wasip2 targets), through
# oxalica's rust-overlay: nixpkgs' own rustc may be older than wasmtime 50 needs.
{
  description = "plugtree: build modular applications out of WebAssembly components";

  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
    rust-overlay = {
      url = "github:oxalica/rust-overlay";
      inputs.nixpkgs.follows = "nixpkgs";
    };
  };

  outputs = { self, nixpkgs, rust-overlay }:
    let
      systems = [ "x86_64-linux" "aarch64-linux" "x86_64-darwin" "aarch64-darwin" ];
      forEachSystem = f: nixpkgs.lib.genAttrs systems (system:
        let
          pkgs = import nixpkgs {
            inherit system;
            overlays = [ rust-overlay.overlays.default ];
          };
          toolchain = pkgs.rust-bin.fromRustupToolchainFile ./rust-toolchain.toml;
        in
        f { inherit pkgs toolchain; });
    in
    {
      packages = forEachSystem ({ pkgs, toolchain }:
        let
          rustPlatform = pkgs.makeRustPlatform { cargo = toolchain; rustc = toolchain; };
        in
        rec {
          plugtree = rustPlatform.buildRustPackage {
            pname = "plugtree";
            version = "0.1.0";
            src = ./.;
            cargoLock.lockFile = ./Cargo.lock;
            cargoBuildFlags = [ "--package" "plugtree-cli" "--bin" "plugtree" ];
            # The tests build guests from source and install componentize-py and
            # componentize-js from PyPI and npm: no network in the build sandbox.
            # Run them in the dev shell (`cargo test`).
            doCheck = false;
            meta = {
              description = "Build modular applications out of WebAssembly components";
              license = with pkgs.lib.licenses; [ asl20 mit ];
              mainProgram = "plugtree";
            };
          };
          default = plugtree;
        });

      apps = forEachSystem ({ pkgs, ... }: {
        default = {
          type = "app";
          program = "${self.packages.${pkgs.stdenv.hostPlatform.system}.plugtree}/bin/plugtree";
        };
      });

      devShells = forEachSystem ({ pkgs, toolchain }: {
        default = pkgs.mkShell {
          packages = [
            toolchain
            # `plugtree build` of Python guests: componentize-py in a venv (python3 -m venv).
            pkgs.python3
            # …and of JavaScript guests: componentize-js from npm.
            pkgs.nodejs
            # tests/all/http.rs: `openssl s_server`, the HTTPS server the tests start.
            pkgs.openssl
          ];
        };
      });

      formatter = forEachSystem ({ pkgs, ... }: pkgs.nixpkgs-fmt);
    };
}
