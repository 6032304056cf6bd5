// palette: colours of categories and states on the map (distinct, and dark
// enough to stand out on the light base map with a white outline).
export const CATEGORIES = ['explosion', 'projectile_in_flight',
	'muzzle_flash', 'illumination_flare', 'burst_or_shot',
	'small_arms_fire', 'drone_strike', 'airspace_violation',
	'movement_in_restricted_zone', 'fortification_work', 'mine_or_uxo',
	'other'];
export const STATES = ['received', 'under_investigation',
	'awaiting_assessment', 'agreed_violation', 'agreed_no_violation',
	'unverifiable', 'disputed', 'escalated', 'closed', 'duplicate'];
export const SOURCE_TYPES = ['patrol', 'observation_post', 'uav', 'camera',
	'acoustic_sensor', 'radar', 'complaint', 'media', 'other'];

const C12 = ['#c0392b', '#8e44ad', '#d35400', '#b7950b', '#1f618d',
	'#117a65', '#6c3483', '#2e4053', '#a04000', '#196f3d', '#7b241c',
	'#566573'];
const S10 = ['#5d6d7e', '#2471a3', '#b9770e', '#c0392b', '#1e8449',
	'#7d3c98', '#d35400', '#922b21', '#212f3d', '#909497'];

export function colour(mode, p) {
	if (mode === 'state') {
		const i = STATES.indexOf(p.state);
		return i < 0 ? '#000' : S10[i];
	}
	const i = CATEGORIES.indexOf(p.category);
	return i < 0 ? '#000' : C12[i];
}
