// A determinate progress bar that assistive technology reads as one (role, value, name).
export function ProgressBar({ value, label }: { value: number; label: string }) {
  const percent = Math.max(0, Math.min(100, Math.floor(value * 100)))
  return (
    <span
      className="progress"
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={percent}
      aria-valuetext={`${percent}%`}
    >
      <span className="progress-fill" style={{ width: `${percent}%` }} />
    </span>
  )
}
