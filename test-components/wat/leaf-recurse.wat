;; Exports `test:partial/leaf`; `value` recurses without end on the wasm call
;; stack (no shadow stack involved): wasmtime stops it at its stack limit.
(component
  (core module $m
    (memory (export "memory") 1)
    ;; label's return area at 8: the string (ptr 16, len 4) "deep".
    (data (i32.const 8) "\10\00\00\00\04\00\00\00")
    (data (i32.const 16) "deep")
    (func $dive (param i32) (result i32)
      (i32.add (call $dive (i32.add (local.get 0) (i32.const 1))) (i32.const 1)))
    (func (export "value") (result i32) (call $dive (i32.const 0)))
    (func (export "label") (result i32) (i32.const 8))
  )
  (core instance $i (instantiate $m))
  (func $value (result u32) (canon lift (core func $i "value")))
  (func $label (result string)
    (canon lift (core func $i "label") (memory (core memory $i "memory")) string-encoding=utf8))
  (instance $leaf
    (export "value" (func $value))
    (export "label" (func $label)))
  (export "test:partial/leaf" (instance $leaf))
)
