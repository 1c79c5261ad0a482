// The heel stop's contact strip: two switches, one per heel, read by a board with native
// USB serial (Raspberry Pi Pico with the Arduino core, SparkFun Pro Micro, Arduino Leonardo)
// and printed as "HEEL <left> <right>" (1 = pressed) 20 times a second and on every change.
// The kiosk reads these lines (kiosk/capture/heel_strip.py; docs/HEEL_STRIP.md).
//
// Wiring: each switch between its pin and GND; the pins' internal pull-ups hold them high,
// a pressed switch pulls its pin low.

const int LEFT_PIN = 2;
const int RIGHT_PIN = 3;
const unsigned long DEBOUNCE_MS = 5;   // tape switches bounce for 1-5 ms
const unsigned long PERIOD_MS = 50;    // 20 lines a second when nothing changes

struct Input {
  int pin;
  bool stable;         // debounced: true = pressed
  bool last_raw;
  unsigned long since; // when last_raw last changed
};

Input left = {LEFT_PIN, false, false, 0};
Input right = {RIGHT_PIN, false, false, 0};
unsigned long last_print = 0;

bool update(Input &in, unsigned long now) {
  bool raw = digitalRead(in.pin) == LOW;
  if (raw != in.last_raw) {
    in.last_raw = raw;
    in.since = now;
  }
  if (raw != in.stable && now - in.since >= DEBOUNCE_MS) {
    in.stable = raw;
    return true;
  }
  return false;
}

void setup() {
  pinMode(LEFT_PIN, INPUT_PULLUP);
  pinMode(RIGHT_PIN, INPUT_PULLUP);
  Serial.begin(115200);  // the rate is nominal over USB CDC; the kiosk's default
}

void loop() {
  unsigned long now = millis();
  bool changed = update(left, now);
  changed = update(right, now) || changed;
  if (changed || now - last_print >= PERIOD_MS) {
    Serial.print("HEEL ");
    Serial.print(left.stable ? 1 : 0);
    Serial.print(' ');
    Serial.println(right.stable ? 1 : 0);
    last_print = now;
  }
}
